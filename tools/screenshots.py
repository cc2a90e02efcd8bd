"""Open every notebook in JupyterLab in a real (headless) browser: a screenshot each, and console errors.

    python tools/screenshots.py [--out screenshots/] [--wait 8] [NN ...]

It starts JupyterLab on localhost (a free port, a random token, as root only with --allow-root),
starts headless Chromium (Debian's ``chromium`` package: ``apt-get install chromium``), drives it
over the DevTools protocol, and for each published notebook saves ``<out>/<name>.png`` and the
browser console's errors and exceptions in ``<out>/console_errors.json``. The notebooks are opened
as a reader opens a fresh clone: untrusted, outputs as saved, no kernel run.

Exit status: 0 when no console error was seen, 1 otherwise, 77 when Chromium is missing (the
script says how to install it; ``make test`` does not run it).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Render every cell at once (JupyterLab otherwise renders cells as they scroll into view), and no
# news pop-up over the screenshot.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}
# Scroll the last GIF output (an <img> of image/gif, or the SVG wrapper when trusted) into view.
LAST_GIF = """(() => {
  const panel = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img';
  const imgs = [...document.querySelectorAll(panel)]
    .filter(i => i.src.startsWith('data:image/gif') || i.src.startsWith('data:image/svg'));
  if (!imgs.length) return false;
  imgs[imgs.length - 1].scrollIntoView({block: 'center'});
  return true;
})()"""
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1280,1600",
]


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


class DevTools:
    """A minimal DevTools-protocol client over one page's websocket (tornado's client)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.next_id = 0
        self.events: list[dict] = []

    @classmethod
    async def connect(cls, url: str) -> DevTools:
        from tornado.websocket import websocket_connect

        return cls(await websocket_connect(url, max_message_size=256 * 1024 * 1024))

    async def call(self, method: str, **params) -> dict:
        self.next_id += 1
        call_id = self.next_id
        await self.connection.write_message(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.connection.read_message())
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


def offline(error: str) -> bool:
    """A resource on another host that could not load because the machine is offline (e.g. a badge)."""
    return "ERR_NAME_NOT_RESOLVED" in error or "ERR_INTERNET_DISCONNECTED" in error


def console_errors(events: list[dict]) -> list[str]:
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


async def wait_rendered(tools: DevTools, n_cells: int, timeout: float) -> None:
    """Wait until JupyterLab shows all the notebook's cells (its first load takes a while)."""
    deadline = time.monotonic() + timeout
    check = "document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').length"
    while time.monotonic() < deadline:
        result = await tools.call("Runtime.evaluate", expression=check, returnByValue=True)
        if result.get("result", {}).get("value", 0) >= n_cells:
            return
        await tools.drain(1.0)
    print(f"  the notebook did not render within {timeout:.0f} s; the screenshot shows what there was")


async def shoot(page_ws: str, urls: dict[str, tuple[str, int]], out: Path,
                wait: float) -> dict[str, list[str]]:
    tools = await DevTools.connect(page_ws)
    for domain in ("Page", "Runtime", "Log"):
        await tools.call(f"{domain}.enable")
    found = {}
    for name, (url, n_cells) in urls.items():
        tools.events.clear()
        await tools.call("Page.navigate", url=url)
        await wait_rendered(tools, n_cells, timeout=90)
        await tools.drain(wait)  # let outputs (images, GIFs) settle
        shot = await tools.call("Page.captureScreenshot", format="png")
        (out / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
        shots = [f"{name}.png"]
        scrolled = await tools.call("Runtime.evaluate", returnByValue=True, expression=LAST_GIF)
        if scrolled.get("result", {}).get("value"):
            await tools.drain(1.5)
            shot = await tools.call("Page.captureScreenshot", format="png")
            (out / f"{name}_last_gif.png").write_bytes(base64.b64decode(shot["data"]))
            shots.append(f"{name}_last_gif.png")
        found[name] = console_errors(tools.events)
        print(f"{name}: {', '.join(shots)}; {len(found[name])} console error(s)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="two-digit notebook numbers (default: all)")
    parser.add_argument("--out", default="screenshots", help="folder for the PNGs and the error list")
    parser.add_argument("--wait", type=float, default=4.0, help="seconds to wait after the cells show")
    args = parser.parse_args()
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        print("skipped: no Chromium found. Install Debian's package (apt-get install chromium) "
              "or Google Chrome, then run this again.")
        return 77
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.numbers:
        notebooks = [nb for nb in notebooks if nb.name[:2] in args.numbers]
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    port, debug_port, token = free_port(), free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryFile() as lab_log:
        settings = Path(profile) / "lab-settings"
        for plugin, values in LAB_SETTINGS.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        lab_cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                   "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                   f"--ServerApp.root_dir={ROOT / 'notebooks'}", f"--LabApp.user_settings_dir={settings}",
                   f"--LabApp.workspaces_dir={Path(profile) / 'workspaces'}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            lab_cmd.append("--allow-root")
        lab = subprocess.Popen(lab_cmd, stdout=lab_log, stderr=subprocess.STDOUT)
        chrome = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--remote-debugging-port={debug_port}",
                                   f"--user-data-dir={profile}", "about:blank"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", 60)
            pages = json.loads(wait_for(f"http://127.0.0.1:{debug_port}/json/list", 30))
            page_ws = next(p["webSocketDebuggerUrl"] for p in pages if p.get("type") == "page")
            urls = {nb.stem: (f"http://127.0.0.1:{port}/lab/tree/{nb.name}?token={token}",
                              len(json.loads(nb.read_text())["cells"])) for nb in notebooks}
            found = asyncio.run(shoot(page_ws, urls, out, args.wait))
        finally:
            chrome.terminate()
            lab.terminate()
            chrome.wait(10)
            lab.wait(10)
    (out / "console_errors.json").write_text(json.dumps(found, indent=2) + "\n")
    total = sum(1 for errors in found.values() for e in errors if not offline(e))
    away = sum(1 for errors in found.values() for e in errors if offline(e))
    print(f"{len(found)} notebooks, {total} console error(s), plus {away} resource(s) on other hosts "
          f"that did not load offline (badges); list in {out / 'console_errors.json'}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
