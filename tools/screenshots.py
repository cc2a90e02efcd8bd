"""Open every notebook in JupyterLab in headless Chromium: a full-page screenshot each, and console errors.

How to run it (from the repository root; it is not part of ``make test``)::

    apt-get install chromium            # once: Debian's Chromium (or have Google Chrome on the PATH)
    .venv/bin/python tools/screenshots.py [--out screenshots/] [--wait 4] [--max-height 16000] [NN ...]

    .venv/bin/python tools/screenshots.py 00 09     # only notebooks 00 and 09

It needs no Playwright and no browser download: it starts JupyterLab on localhost (a free port, a
random token, as root only with --allow-root), starts headless Chromium, and drives it over the
DevTools protocol with tornado's websocket client (tornado comes with JupyterLab).

One notebook, one tab, one kernel at a time. For each published notebook it

1. checks that the server runs no kernel (the previous notebook's was shut);
2. opens a new tab on ``/doc/workspaces/<name>/tree/<notebook>?reset``: JupyterLab's single-document
   mode, in a workspace of its own, so no earlier notebook is restored beside it (with one shared
   workspace every new page reopened all the notebooks before it, each with its kernel, and each
   page's console repeated their errors);
3. listens to that tab's console only (its own DevTools connection), waits until all the cells show
   and ``--wait`` seconds more for outputs to settle;
4. takes one full-page screenshot ``<out>/<name>.png`` (see ``full_page_screenshot``);
5. closes the tab, deletes the notebook's session through the server's REST API (``DELETE
   /api/sessions/{id}``, then ``DELETE /api/kernels/{id}`` for any kernel left) and waits until
   ``GET /api/kernels`` is empty.

It writes ``<out>/report.json``: for each notebook, its screenshot, the console errors and
exceptions of its own tab, the kernels that were shut after it, and a failure if there was one;
``<out>/console_errors.json`` keeps the old short form (notebook -> its errors). The notebooks are
opened as a reader opens a fresh clone: untrusted, outputs as saved, no cell run.

The full-page shot: JupyterLab lays itself out in the window and scrolls the notebook inside its own
element, so a browser "full page" screenshot shows one window's worth. The script finds the
notebook's scroll container, grows the emulated window until the container holds the whole notebook
(up to ``--max-height`` pixels), and takes one shot; a notebook taller than that is shot in pieces,
scrolling the container one window at a time, and the pieces are stitched (with Pillow, which
matplotlib brings) below the page's top bars. JupyterLab's "scroll past end" is switched off for
this, else the blank below the last cell would grow with the window.

Exit status: 0 when no console error was seen, 1 otherwise or when a notebook could not be shot,
2 when a kernel could not be shut (the run stops there), 77 when Chromium is missing (the script
says how to install it).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Render every cell at once (JupyterLab otherwise renders cells as they scroll into view), no blank
# window's height below the last cell (it would grow with the window), and no news pop-up.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "scrollPastEnd": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}
WIDTH, HEIGHT = 1280, 1600  # the tab's window before it grows to the notebook's height
MAX_HEIGHT = 16000  # tallest window shot at once; Chromium's textures stop at 16384 px
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}",
]
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CELL_COUNT = f"document.querySelectorAll('{PANEL} .jp-Notebook .jp-Cell').length"
# Find (once, then mark) the element that scrolls the notebook: the tallest scrollable element in
# the notebook panel (``.jp-WindowedPanel-outer`` in JupyterLab 4); measure it and the window.
MEASURE = """(() => {
  const panel = document.querySelector('__PANEL__');
  if (!panel) return null;
  let el = panel.querySelector('[data-screenshot-scroller]');
  if (!el) {
    for (const c of panel.querySelectorAll('*')) {
      const o = getComputedStyle(c).overflowY;
      if ((o === 'auto' || o === 'scroll') && c.scrollHeight > c.clientHeight
          && (!el || c.scrollHeight > el.scrollHeight)) el = c;
    }
    el = el || panel.querySelector('.jp-WindowedPanel-outer') || panel.querySelector('.jp-Notebook');
    if (!el) return null;
    el.setAttribute('data-screenshot-scroller', '');
  }
  const r = el.getBoundingClientRect();
  return {top: Math.round(r.top + el.clientTop), client: el.clientHeight, scroll: el.scrollHeight,
          left: Math.round(r.left + el.clientLeft), clientWidth: el.clientWidth,
          scrollTop: Math.round(el.scrollTop), inner: window.innerHeight, width: window.innerWidth};
})()""".replace("__PANEL__", PANEL)


def scroll_to(y: int) -> str:
    """Scroll the notebook's container to ``y`` px; the page answers where it got (the last is clamped)."""
    return ("(() => { const el = document.querySelector('[data-screenshot-scroller]'); if (!el) return 0; "
            f"el.scrollTop = {int(y)}; return Math.round(el.scrollTop); }})()")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {seconds:.0f} s") from None
            time.sleep(0.5)


def offline(error: str) -> bool:
    """A resource on another host that could not load because the machine is offline (e.g. a badge)."""
    return "ERR_NAME_NOT_RESOLVED" in error or "ERR_INTERNET_DISCONNECTED" in error


def console_errors(events: list[dict]) -> list[str]:
    """The errors among one page's DevTools events (console.error, exceptions, failed loads)."""
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = params.get("args", [])
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('text', '')} {entry.get('url', '')}".strip())
    return errors


# --- The server's kernels ------------------------------------------------------------------------


class LeftoverKernels(RuntimeError):
    """The server still runs a kernel that should have been shut."""


class KernelAPI:
    """The Jupyter server's REST API for sessions and kernels (``/api/sessions``, ``/api/kernels``)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def _request(self, method: str, path: str) -> object:
        request = urllib.request.Request(f"{self.base_url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def sessions(self) -> list[dict]:
        return self._request("GET", "/api/sessions")

    def kernels(self) -> list[dict]:
        return self._request("GET", "/api/kernels")

    def delete_session(self, session_id: str) -> None:
        self._request("DELETE", f"/api/sessions/{urllib.parse.quote(session_id)}")

    def delete_kernel(self, kernel_id: str) -> None:
        self._request("DELETE", f"/api/kernels/{urllib.parse.quote(kernel_id)}")


def shut_kernels(api, timeout: float = 30.0, poll: float = 0.5, sleep=time.sleep) -> list[dict]:
    """Delete every session (which shuts its kernel), then any kernel left, until none is left.

    A kernel that the closed tab asked for just before it closed can appear a moment later, so the
    server must show no kernel twice in a row, ``poll`` seconds apart. Returns what was shut
    (``{"session": id or None, "path": notebook or None, "kernel": id}``); raises
    ``LeftoverKernels`` when kernels remain after ``timeout`` seconds.
    """
    shut: list[dict] = []
    deadline = time.monotonic() + timeout
    empty_once = False
    while True:
        sessions, kernels = api.sessions(), api.kernels()
        if not sessions and not kernels:
            if empty_once:
                return shut
            empty_once = True
        else:
            empty_once = False
            for session in sessions:
                api.delete_session(session["id"])
                shut.append({"session": session["id"], "path": session.get("path"),
                             "kernel": (session.get("kernel") or {}).get("id")})
            done = {s["kernel"] for s in shut}
            for kernel in api.kernels():
                if kernel["id"] not in done:
                    api.delete_kernel(kernel["id"])
                    shut.append({"session": None, "path": None, "kernel": kernel["id"]})
        if time.monotonic() > deadline:
            left = api.kernels()
            if left:
                raise LeftoverKernels(f"kernels still running after {timeout:.0f} s: "
                                      f"{[k['id'] for k in left]}")
            return shut
        sleep(poll)


def ensure_no_kernel(api) -> None:
    """Raise ``LeftoverKernels`` if the server runs any kernel (checked before each notebook)."""
    left = api.kernels()
    if left:
        raise LeftoverKernels(f"a kernel is running before the next notebook: {[k['id'] for k in left]}")


# --- One page (tab) over the DevTools protocol ---------------------------------------------------


class DevTools:
    """A minimal DevTools-protocol client over one websocket (tornado's client)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.next_id = 0
        self.events: list[dict] = []

    @classmethod
    async def connect(cls, url: str) -> DevTools:
        from tornado.websocket import websocket_connect

        return cls(await websocket_connect(url, max_message_size=512 * 1024 * 1024))

    async def call(self, method: str, **params) -> dict:
        self.next_id += 1
        call_id = self.next_id
        await self.connection.write_message(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            raw = await self.connection.read_message()
            if raw is None:
                raise ConnectionError(f"{method}: the DevTools connection closed")
            message = json.loads(raw)
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    async def drain(self, seconds: float) -> None:
        """Collect events for ``seconds`` (the page renders meanwhile)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(self.connection.read_message(), timeout=left)
            except asyncio.TimeoutError:
                return
            if message is None:
                return
            self.events.append(json.loads(message))

    def close(self) -> None:
        self.connection.close()


class CdpPage:
    """One browser tab with its own DevTools connection: its events are this tab's alone."""

    def __init__(self, browser: CdpBrowser, target_id: str, tools: DevTools) -> None:
        self.browser, self.target_id, self.tools = browser, target_id, tools

    async def goto(self, url: str) -> None:
        await self.tools.call("Page.navigate", url=url)

    async def evaluate(self, expression: str):
        result = await self.tools.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def wait(self, seconds: float) -> None:
        await self.tools.drain(seconds)

    async def set_viewport(self, width: int, height: int) -> None:
        await self.tools.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                              deviceScaleFactor=1, mobile=False)

    async def capture(self) -> bytes:
        shot = await self.tools.call("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"])

    def console_errors(self) -> list[str]:
        return console_errors(self.tools.events)

    async def close(self) -> None:
        try:
            await self.browser.tools.call("Target.closeTarget", targetId=self.target_id)
        finally:
            self.tools.close()


class CdpBrowser:
    """The browser's own DevTools connection, which opens and closes tabs."""

    def __init__(self, tools: DevTools, debug_port: int) -> None:
        self.tools, self.debug_port = tools, debug_port

    @classmethod
    async def connect(cls, debug_port: int) -> CdpBrowser:
        version = json.loads(wait_for(f"http://127.0.0.1:{debug_port}/json/version", 30))
        return cls(await DevTools.connect(version["webSocketDebuggerUrl"]), debug_port)

    async def new_page(self) -> CdpPage:
        target = await self.tools.call("Target.createTarget", url="about:blank")
        target_id = target["targetId"]
        tools = await DevTools.connect(f"ws://127.0.0.1:{self.debug_port}/devtools/page/{target_id}")
        page = CdpPage(self, target_id, tools)
        for domain in ("Page", "Runtime", "Log"):
            await tools.call(f"{domain}.enable")
        await page.set_viewport(WIDTH, HEIGHT)
        return page

    def close(self) -> None:
        self.tools.close()


# --- Per notebook: the logic, over any page/browser/kernel API with the methods above ------------


@dataclass
class Notebook:
    name: str  # the file's stem, e.g. "00_environment"
    path: str  # relative to the server's root, e.g. "00_environment.ipynb"
    url: str
    n_cells: int


def notebook_url(lab_url: str, token: str, name: str, path: str) -> str:
    """Single-document mode, a workspace of the notebook's own, reset: nothing restored beside it."""
    workspace = re.sub(r"[^a-zA-Z0-9_-]", "-", name)
    query = urllib.parse.urlencode({"reset": "", "token": token})
    return f"{lab_url.rstrip('/')}/doc/workspaces/{workspace}/tree/{urllib.parse.quote(path)}?{query}"


async def wait_rendered(page, n_cells: int, timeout: float, step: float = 1.0) -> bool:
    """Wait until JupyterLab shows all the notebook's cells (its first load takes a while)."""
    deadline = time.monotonic() + timeout
    while True:
        if (await page.evaluate(CELL_COUNT) or 0) >= n_cells:
            return True
        if time.monotonic() > deadline:
            return False
        await page.wait(step)


def plan_pieces(scroll: int, client: int) -> list[int]:
    """Where each piece of a notebook ``scroll`` px tall starts, shown ``client`` px at a time."""
    return list(range(0, max(scroll, 1), max(client, 1)))


async def full_page_screenshot(page, max_height: int = MAX_HEIGHT, settle: float = 1.0) -> tuple[bytes, dict]:
    """A PNG of the whole notebook, and how it was made (``height``, ``pieces``).

    Grow the window by as much as the notebook's scroll container hides (JupyterLab relayouts to the
    new window height), at most to ``max_height``; if the container still scrolls, shoot it one
    container-height at a time and stitch the pieces between the first shot's top bars and the
    last one's bottom bar; beside the notebook, below the first window, the side bars' background
    is drawn on (their icons would repeat otherwise).
    """
    m = await page.evaluate(MEASURE)
    if not m:
        return await page.capture(), {"height": None, "pieces": 1, "note": "no notebook panel found"}
    for _ in range(4):
        hidden = m["scroll"] - m["client"]
        if hidden <= 1 or m["inner"] >= max_height:
            break
        await page.set_viewport(m["width"], min(m["inner"] + hidden, max_height))
        await page.wait(settle)
        m = await page.evaluate(MEASURE)
    top, client, scroll, inner = m["top"], m["client"], m["scroll"], m["inner"]
    starts = plan_pieces(scroll, client)
    if len(starts) == 1:
        if m["scrollTop"]:
            await page.evaluate(scroll_to(0))
            await page.wait(0.3)
        return await page.capture(), {"height": inner, "pieces": 1}

    from PIL import Image

    height = inner - client + scroll
    left, right = m["left"], m["left"] + m["clientWidth"]
    sheet = None
    for i, start in enumerate(starts):
        shown = await page.evaluate(scroll_to(start))  # the browser clamps the last one
        await page.wait(0.3)
        shot = Image.open(io.BytesIO(await page.capture())).convert("RGB")
        if sheet is None:  # the top bars and the first window, full width, side bars included
            sheet = Image.new("RGB", (shot.width, height), "white")
            sheet.paste(shot.crop((0, 0, shot.width, top + client)), (0, 0))
            # beside the notebook further down: the side bars' last row in this window, drawn on
            below = shot.crop((0, top + client - 1, shot.width, top + client))
            sheet.paste(below.resize((shot.width, scroll - client)), (0, top + client))
        else:  # the notebook alone (the side bars' icons would repeat)
            end = min(start + client, scroll)
            piece = shot.crop((left, top + start - shown, right, top + end - shown))
            sheet.paste(piece, (left, top + start))
        if i == len(starts) - 1:  # the bars below the notebook
            sheet.paste(shot.crop((0, top + client, shot.width, inner)), (0, top + scroll))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue(), {"height": height, "pieces": len(starts)}


async def shoot_notebook(browser, api, notebook: Notebook, out: Path, wait: float,
                         render_timeout: float = 90.0, max_height: int = MAX_HEIGHT,
                         kernel_timeout: float = 30.0, sleep=time.sleep) -> dict:
    """One notebook in one new tab; the tab closed and the notebook's kernel shut afterwards."""
    ensure_no_kernel(api)
    record: dict = {"notebook": notebook.path, "screenshot": None, "console_errors": []}
    page = await browser.new_page()
    try:
        await page.goto(notebook.url)
        record["rendered"] = await wait_rendered(page, notebook.n_cells, render_timeout)
        await page.wait(wait)  # let outputs (images, GIFs) settle
        png, how = await full_page_screenshot(page, max_height=max_height)
        (out / f"{notebook.name}.png").write_bytes(png)
        record["screenshot"] = f"{notebook.name}.png"
        record.update(how)
    except Exception as error:  # reported per notebook; the run goes on
        record["failure"] = f"{type(error).__name__}: {error}"
    finally:
        record["console_errors"] = page.console_errors()
        try:
            await page.close()
        finally:
            record["kernels_shut"] = shut_kernels(api, timeout=kernel_timeout, sleep=sleep)
    return record


async def shoot_all(browser, api, notebooks: list[Notebook], out: Path, wait: float, **options) -> dict:
    """Each notebook in turn, one tab and one kernel at a time: {name: its record}."""
    report: dict[str, dict] = {}
    for notebook in notebooks:
        record = await shoot_notebook(browser, api, notebook, out, wait, **options)
        report[notebook.name] = record
        what = record["screenshot"] or f"no screenshot ({record.get('failure')})"
        if not record.get("rendered", True):
            what += ", not all cells rendered"
        print(f"{notebook.name}: {what}; {len(record['console_errors'])} console error(s); "
              f"{len(record['kernels_shut'])} kernel(s) shut")
    return report


# --- The command line ----------------------------------------------------------------------------


def start_lab(profile: Path, port: int, token: str, log) -> subprocess.Popen:
    settings = profile / "lab-settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    lab_cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={ROOT / 'notebooks'}", f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={profile / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab_cmd.append("--allow-root")
    return subprocess.Popen(lab_cmd, stdout=log, stderr=subprocess.STDOUT)


async def run(debug_port: int, api: KernelAPI, notebooks: list[Notebook], out: Path, wait: float,
              max_height: int) -> dict:
    browser = await CdpBrowser.connect(debug_port)
    try:
        return await shoot_all(browser, api, notebooks, out, wait, max_height=max_height)
    finally:
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="two-digit notebook numbers (default: all)")
    parser.add_argument("--out", default="screenshots", help="folder for the PNGs and the reports")
    parser.add_argument("--wait", type=float, default=4.0, help="seconds to wait after the cells show")
    parser.add_argument("--max-height", type=int, default=MAX_HEIGHT,
                        help="tallest window shot at once; taller notebooks are stitched from pieces")
    args = parser.parse_args(argv)
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        print("skipped: no Chromium found. Install Debian's package (apt-get install chromium) "
              "or Google Chrome, then run this again.")
        return 77
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.numbers:
        paths = [nb for nb in paths if nb.name[:2] in args.numbers]
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    port, debug_port, token = free_port(), free_port(), secrets.token_hex(16)
    lab_url = f"http://127.0.0.1:{port}"
    notebooks = [Notebook(nb.stem, nb.name, notebook_url(lab_url, token, nb.stem, nb.name),
                          len(json.loads(nb.read_text())["cells"])) for nb in paths]
    status = 0
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryFile() as lab_log:
        lab = start_lab(Path(profile), port, token, lab_log)
        chrome = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--remote-debugging-port={debug_port}",
                                   f"--user-data-dir={Path(profile) / 'chromium'}", "about:blank"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"{lab_url}/api/status?token={token}", 60)
            report = asyncio.run(run(debug_port, KernelAPI(lab_url, token), notebooks, out, args.wait,
                                     args.max_height))
        except LeftoverKernels as error:
            print(f"stopped: {error}")
            return 2
        finally:
            chrome.terminate()
            lab.terminate()
            chrome.wait(10)
            lab.wait(10)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    found = {name: record["console_errors"] for name, record in report.items()}
    (out / "console_errors.json").write_text(json.dumps(found, indent=2) + "\n")
    total = sum(1 for errors in found.values() for e in errors if not offline(e))
    away = sum(1 for errors in found.values() for e in errors if offline(e))
    failed = [name for name, record in report.items() if record.get("failure")]
    print(f"{len(report)} notebooks, {total} console error(s), plus {away} resource(s) on other hosts "
          f"that did not load offline (badges); report in {out / 'report.json'}")
    if failed:
        print(f"not shot: {', '.join(failed)}")
        status = 1
    return 1 if total else status


if __name__ == "__main__":
    sys.exit(main())
