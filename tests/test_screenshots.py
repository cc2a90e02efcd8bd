"""tools/screenshots.py without a browser: fake tabs, a fake kernel API, a fake JupyterLab page.

The fakes keep the tool's contract: one new tab per notebook, closed before the next one opens; the
notebook's kernel shut (session deleted) and none left before the next notebook; each notebook's
console errors are those its own tab emitted; the full-page shot holds the whole notebook, in one
shot or stitched from pieces.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import re
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("screenshots", ROOT / "tools" / "screenshots.py")
sc = importlib.util.module_from_spec(_spec)
sys.modules["screenshots"] = sc  # dataclasses look their module up there
try:
    _spec.loader.exec_module(sc)
except ImportError as error:  # a dependency missing here: skip, don't fail
    del sys.modules["screenshots"]
    pytest.skip(f"tools/screenshots.py does not import: {error}", allow_module_level=True)


# --- Fakes ---------------------------------------------------------------------------------------


class FakeServer:
    """The Jupyter server's sessions and kernels; opening a notebook's page starts its kernel."""

    def __init__(self, stuck: bool = False) -> None:
        self.sessions_by_id: dict[str, dict] = {}
        self.kernel_ids: set[str] = set()
        self.log: list[tuple] = []
        self.most_kernels = 0
        self.stuck = stuck  # deletes are accepted but nothing stops
        # kernels that start just after the server answered "none" ``late_after`` times: a request
        # from the closed tab still in flight
        self.late: list[str] = []
        self.late_after = 1
        self._n = 0

    def start(self, path: str) -> None:
        self._n += 1
        sid, kid = f"s{self._n}", f"k{self._n}"
        self.sessions_by_id[sid] = {"id": sid, "path": path, "kernel": {"id": kid}}
        self.kernel_ids.add(kid)
        self.most_kernels = max(self.most_kernels, len(self.kernel_ids))
        self.log.append(("start", path, sid, kid))

    def sessions(self) -> list[dict]:
        return list(self.sessions_by_id.values())

    def kernels(self) -> list[dict]:
        answer = [{"id": k} for k in sorted(self.kernel_ids)]
        self.log.append(("kernels", [k["id"] for k in answer]))
        if not answer and self.late:
            self.late_after -= 1
            if self.late_after == 0:
                for path in self.late:
                    self.start(path)
                self.late.clear()
        return answer

    def delete_session(self, session_id: str) -> None:
        self.log.append(("delete_session", session_id))
        if not self.stuck:
            session = self.sessions_by_id.pop(session_id)
            self.kernel_ids.discard(session["kernel"]["id"])

    def delete_kernel(self, kernel_id: str) -> None:
        self.log.append(("delete_kernel", kernel_id))
        if not self.stuck:  # the server forgets the sessions of a kernel that is gone
            self.kernel_ids.discard(kernel_id)
            self.sessions_by_id = {i: s for i, s in self.sessions_by_id.items()
                                   if s["kernel"]["id"] != kernel_id}


class Layout:
    """A JupyterLab-like page: top bars, a side bar with an icon, the notebook's scroller, a status bar.

    Content row ``r`` of the notebook is painted in a colour of its own, so a stitched image can be
    compared pixel for pixel with the whole notebook drawn at once.
    """

    W, TOP, FOOT, LEFT, RIGHT = 40, 10, 5, 8, 38

    def __init__(self, content: int, height: int = 100) -> None:
        self.content, self.height, self.scroll_top = content, height, 0

    @property
    def client(self) -> int:
        return self.height - self.TOP - self.FOOT

    def clamp(self, y: int) -> int:
        return max(0, min(y, self.content - self.client))

    def render(self):
        from PIL import Image

        image = Image.new("RGB", (self.W, self.height), (128, 128, 128))  # side bars' background
        pixels = image.load()
        for y in range(self.height):
            for x in range(self.W):
                if y < self.TOP:
                    pixels[x, y] = (255, 0, 0)
                elif y >= self.TOP + self.client:
                    pixels[x, y] = (0, 0, 255)
                elif self.LEFT <= x < self.RIGHT:
                    r = self.scroll_top + y - self.TOP
                    pixels[x, y] = (r % 256, r // 256, 77) if r < self.content else (255, 255, 255)
                elif x < self.LEFT and y < self.TOP + 4:
                    pixels[x, y] = (0, 0, 0)  # an icon at the top of the side bar
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()


class FakePage:
    def __init__(self, browser: FakeBrowser, number: int) -> None:
        self.browser, self.number = browser, number
        self.events: list[dict] = []
        self.closed = False
        self.path: str | None = None
        self.layout: Layout | None = None
        self.captures = 0

    def _emit(self, text: str) -> None:
        self.events.append({"method": "Runtime.consoleAPICalled",
                            "params": {"type": "error", "args": [{"value": text}]}})

    async def goto(self, url: str) -> None:
        assert not self.closed
        self.path = urllib.parse.unquote(urllib.parse.urlsplit(url).path.split("/tree/", 1)[1])
        self.layout = Layout(self.browser.heights.get(self.path, 300))
        self.browser.server.start(self.path)  # JupyterLab starts the notebook's kernel
        for text in self.browser.errors.get(self.path, []):
            self._emit(text)

    async def evaluate(self, expression: str):
        if expression == sc.CELL_COUNT:
            return self.browser.cells
        if expression == sc.MEASURE:
            lay = self.layout
            return {"top": lay.TOP, "client": lay.client, "scroll": max(lay.content, lay.client),
                    "left": lay.LEFT, "clientWidth": lay.RIGHT - lay.LEFT, "scrollTop": lay.scroll_top,
                    "inner": lay.height, "width": lay.W}
        match = re.search(r"scrollTop = (\d+)", expression)
        assert match, expression
        self.layout.scroll_top = self.layout.clamp(int(match.group(1)))
        return self.layout.scroll_top

    async def wait(self, seconds: float) -> None:
        for text in self.browser.late_errors.get(self.path, []):  # errors that come while it renders
            self._emit(text)
        self.browser.late_errors.pop(self.path, None)

    async def set_viewport(self, width: int, height: int) -> None:
        self.layout.height = height
        self.layout.scroll_top = self.layout.clamp(self.layout.scroll_top)

    async def capture(self) -> bytes:
        if self.path in self.browser.broken:
            raise RuntimeError("Page.captureScreenshot: target crashed")
        self.captures += 1
        return self.layout.render()

    def console_errors(self) -> list[str]:
        return sc.console_errors(self.events)

    async def close(self) -> None:
        self.closed = True
        self.browser.log.append(("close", self.number))


class FakeBrowser:
    def __init__(self, server: FakeServer, errors=None, late_errors=None, heights=None, broken=(),
                 cells: int = 3) -> None:
        self.server, self.cells = server, cells
        self.errors, self.late_errors = errors or {}, dict(late_errors or {})
        self.heights, self.broken = heights or {}, set(broken)
        self.pages: list[FakePage] = []
        self.log: list[tuple] = []
        self.most_open = 0

    async def new_page(self) -> FakePage:
        page = FakePage(self, len(self.pages))
        self.pages.append(page)
        self.log.append(("new_page", page.number, sorted(self.server.kernel_ids)))
        self.most_open = max(self.most_open, sum(not p.closed for p in self.pages))
        return page


def notebooks(*names: str) -> list:
    return [sc.Notebook(n, f"{n}.ipynb", sc.notebook_url("http://lab", "tok", n, f"{n}.ipynb"), 3)
            for n in names]


def run(browser, server, nbs, out, **options):
    options.setdefault("sleep", lambda seconds: None)
    return asyncio.run(sc.shoot_all(browser, server, nbs, out, 0.0, **options))


# --- One tab, one kernel at a time ---------------------------------------------------------------


def test_one_tab_and_one_kernel_at_a_time(tmp_path):
    server = FakeServer()
    browser = FakeBrowser(server)
    report = run(browser, server, notebooks("00_a", "01_b", "02_c"), tmp_path)

    assert list(report) == ["00_a", "01_b", "02_c"]
    assert len(browser.pages) == 3 and all(p.closed for p in browser.pages)
    assert browser.most_open == 1  # a tab is closed before the next one opens
    assert server.most_kernels == 1  # never two kernels at once
    assert all(kernels == [] for _, _, kernels in (e for e in browser.log if e[0] == "new_page"))
    assert server.kernels() == [] and server.sessions() == []
    for name, record in report.items():
        (shut,) = record["kernels_shut"]
        assert shut["path"] == f"{name}.ipynb"  # the notebook's own session was deleted
        assert ("delete_session", shut["session"]) in server.log
        assert record["screenshot"] == f"{name}.png" and (tmp_path / f"{name}.png").is_file()
        assert record["rendered"] is True and "failure" not in record


def test_console_errors_belong_to_the_notebook_whose_tab_emitted_them(tmp_path):
    server = FakeServer()
    browser = FakeBrowser(server, errors={"00_a.ipynb": ["a: bad widget"], "02_c.ipynb": ["c: 404"]},
                          late_errors={"00_a.ipynb": ["a: late"], "01_b.ipynb": ["b: late"]})
    report = run(browser, server, notebooks("00_a", "01_b", "02_c"), tmp_path)
    assert report["00_a"]["console_errors"] == ["a: bad widget", "a: late"]
    assert report["01_b"]["console_errors"] == ["b: late"]
    assert report["02_c"]["console_errors"] == ["c: 404"]


def test_a_failed_shot_still_closes_the_tab_and_shuts_the_kernel(tmp_path):
    server = FakeServer()
    browser = FakeBrowser(server, broken={"00_a.ipynb"}, errors={"00_a.ipynb": ["a: crash"]})
    report = run(browser, server, notebooks("00_a", "01_b"), tmp_path)
    assert "target crashed" in report["00_a"]["failure"]
    assert report["00_a"]["screenshot"] is None and report["00_a"]["console_errors"] == ["a: crash"]
    assert report["00_a"]["kernels_shut"][0]["path"] == "00_a.ipynb"
    assert browser.pages[0].closed and report["01_b"]["screenshot"] == "01_b.png"
    assert server.kernels() == []


def test_a_kernel_that_will_not_stop_stops_the_run(tmp_path):
    server = FakeServer(stuck=True)
    browser = FakeBrowser(server)
    with pytest.raises(sc.LeftoverKernels):
        run(browser, server, notebooks("00_a", "01_b"), tmp_path, kernel_timeout=0)
    assert len(browser.pages) == 1 and browser.pages[0].closed  # 01_b never opened


def test_a_kernel_left_from_before_is_refused_before_the_tab_opens(tmp_path):
    server = FakeServer()
    server.start("elsewhere.ipynb")
    browser = FakeBrowser(server)
    with pytest.raises(sc.LeftoverKernels):
        run(browser, server, notebooks("00_a"), tmp_path)
    assert browser.pages == []


def test_shut_kernels_waits_for_a_kernel_that_shows_up_late():
    server = FakeServer()
    server.start("00_a.ipynb")
    # the closed tab's last request starts a kernel just after the server first said "none left"
    server.late.append("00_a.ipynb")
    server.late_after = 2  # the listing after the delete, then the first check of the next round
    shut = sc.shut_kernels(server, timeout=5, sleep=lambda seconds: None)
    assert [(s["session"], s["path"]) for s in shut] == [("s1", "00_a.ipynb"), ("s2", "00_a.ipynb")]
    assert server.kernels() == [] and server.sessions() == []


def test_shut_kernels_deletes_a_kernel_without_a_session():
    server = FakeServer()
    server.kernel_ids.add("orphan")
    shut = sc.shut_kernels(server, timeout=5, sleep=lambda seconds: None)
    assert shut == [{"session": None, "path": None, "kernel": "orphan"}]
    assert ("delete_kernel", "orphan") in server.log


def test_not_rendered_is_reported(tmp_path):
    server = FakeServer()
    browser = FakeBrowser(server, cells=1)
    nb = sc.Notebook("00_a", "00_a.ipynb", sc.notebook_url("http://lab", "t", "00_a", "00_a.ipynb"), 5)
    report = run(browser, server, [nb], tmp_path, render_timeout=0)
    assert report["00_a"]["rendered"] is False and report["00_a"]["screenshot"] == "00_a.png"


def test_notebook_url_is_single_document_in_its_own_reset_workspace():
    url = sc.notebook_url("http://127.0.0.1:8888/", "abc", "03_replay", "03_replay.ipynb")
    parts = urllib.parse.urlsplit(url)
    assert parts.path == "/doc/workspaces/03_replay/tree/03_replay.ipynb"
    assert urllib.parse.parse_qs(parts.query, keep_blank_values=True) == {"reset": [""], "token": ["abc"]}


# --- The full-page shot --------------------------------------------------------------------------


def whole(content: int) -> bytes:
    """The notebook drawn in a window tall enough for all of it."""
    return Layout(content, Layout.TOP + content + Layout.FOOT).render()


def pixels(png: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.size, image.tobytes()


def shoot(content: int, max_height: int):
    browser = FakeBrowser(FakeServer(), heights={"x.ipynb": content})

    async def go():
        page = await browser.new_page()
        await page.goto("http://lab/doc/tree/x.ipynb")
        return page, *(await sc.full_page_screenshot(page, max_height=max_height, settle=0))

    return asyncio.run(go())


def test_full_page_grows_the_window_to_the_notebook():
    pytest.importorskip("PIL")
    page, png, how = shoot(content=300, max_height=1000)
    assert how == {"height": 315, "pieces": 1} and page.captures == 1
    assert pixels(png) == pixels(whole(300))


@pytest.mark.parametrize("content", [255, 300])  # pieces that fit exactly, and a last one clamped
def test_full_page_taller_than_the_window_is_stitched(content):
    pytest.importorskip("PIL")
    page, png, how = shoot(content=content, max_height=100)  # 85 px of notebook per shot
    assert how["pieces"] == len(range(0, content, 85)) == page.captures
    assert how["height"] == Layout.TOP + content + Layout.FOOT
    assert pixels(png) == pixels(whole(content))


def test_plan_pieces():
    assert sc.plan_pieces(300, 85) == [0, 85, 170, 255]
    assert sc.plan_pieces(85, 85) == [0]
    assert sc.plan_pieces(0, 85) == [0]


# --- The console parser and the command line ----------------------------------------------------


def test_console_errors_from_devtools_events():
    events = [
        {"method": "Runtime.exceptionThrown",
         "params": {"exceptionDetails": {"exception": {"description": "TypeError: x"}}}},
        {"method": "Runtime.consoleAPICalled", "params": {"type": "log", "args": [{"value": "fine"}]}},
        {"method": "Log.entryAdded",
         "params": {"entry": {"level": "error", "text": "Failed to load", "url": "http://b/x.svg"}}},
    ]
    assert sc.console_errors(events) == ["TypeError: x", "Failed to load http://b/x.svg"]
    assert sc.offline("net::ERR_NAME_NOT_RESOLVED https://badge") and not sc.offline("TypeError")


def test_cli_without_chromium_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sc.shutil, "which", lambda name: None)
    assert sc.main(["--out", str(tmp_path), "--wait", "1", "--max-height", "5000", "00"]) == 77
    assert "apt-get install chromium" in capsys.readouterr().out
