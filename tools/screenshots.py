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


async def shoot(page_ws: str, urls: dict[str, str], out: Path, wait: float) -> dict[str, list[str]]:
    tools = await DevTools.connect(page_ws)
    for domain in ("Page", "Runtime", "Log"):
        await tools.call(f"{domain}.enable")
    found = {}
    for name, url in urls.items():
        tools.events.clear()
        await tools.call("Page.navigate", url=url)
        await tools.drain(wait)
        shot = await tools.call("Page.captureScreenshot", format="png")
        (out / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
        found[name] = console_errors(tools.events)
        print(f"{name}: {out / (name + '.png')}, {len(found[name])} console error(s)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="two-digit notebook numbers (default: all)")
    parser.add_argument("--out", default="screenshots", help="folder for the PNGs and the error list")
    parser.add_argument("--wait", type=float, default=8.0, help="seconds to let each notebook render")
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
    lab_cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={ROOT / 'notebooks'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab_cmd.append("--allow-root")
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryFile() as lab_log:
        lab = subprocess.Popen(lab_cmd, stdout=lab_log, stderr=subprocess.STDOUT)
        chrome = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--remote-debugging-port={debug_port}",
                                   f"--user-data-dir={profile}", "about:blank"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", 60)
            pages = json.loads(wait_for(f"http://127.0.0.1:{debug_port}/json/list", 30))
            page_ws = next(p["webSocketDebuggerUrl"] for p in pages if p.get("type") == "page")
            urls = {nb.stem: f"http://127.0.0.1:{port}/lab/tree/{nb.name}?token={token}" for nb in notebooks}
            found = asyncio.run(shoot(page_ws, urls, out, args.wait))
        finally:
            chrome.terminate()
            lab.terminate()
            chrome.wait(10)
            lab.wait(10)
    (out / "console_errors.json").write_text(json.dumps(found, indent=2) + "\n")
    total = sum(len(v) for v in found.values())
    print(f"{len(found)} notebooks, {total} console error(s); list in {out / 'console_errors.json'}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
