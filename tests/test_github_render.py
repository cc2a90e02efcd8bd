"""Every GIF of a trained agent stays visible when a notebook is rendered as GitHub renders it.

GitHub's notebook view is modelled with nbconvert: HTML, an output priority without ``image/gif``,
every HTML, Markdown and SVG output sanitized (``sanitize_html``), and SVG placed inline rather than
as an ``<img>`` (``skip_svg_encoding``). There an animation can only come through as an ``image/gif``
output, which is not rendered, or inside an SVG or HTML, whose data is escaped; so cu.show_gif adds
a still: an ``image/png`` output whose PNG carries ``cu.render.STILL_TITLE``. An agent counts as
visible when such a PNG reaches the page as a real ``<img>`` element.

The notebooks must be rebuilt (tools/build_notebooks.py) after cartpole_utils/render.py changes
for the per-notebook test to pass.
"""

import base64
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest
from nbconvert import HTMLExporter
from PIL import Image
from traitlets.config import Config

import cartpole_utils as cu
from cartpole_utils.render import STILL_TITLE

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# nbconvert's classic priority without JavaScript or widgets (GitHub runs neither); no image/gif.
GITHUB_PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png", "image/jpeg",
                   "text/plain"]


@pytest.fixture(scope="module")
def github() -> HTMLExporter:
    config = Config({"NbConvertBase": {"display_data_priority": GITHUB_PRIORITY}})
    return HTMLExporter(config=config, sanitize_html=True, skip_svg_encoding=True)


class _ImageSources(HTMLParser):
    """The ``src`` of every real ``<img>`` element of a page (escaped markup is text, not elements)."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs).get("src") or "")


def visible_agents(page: str) -> list[str]:
    """The descriptions of the cu.show_gif stills shown as images on ``page``."""
    parser = _ImageSources()
    parser.feed(page)
    shown = []
    for src in parser.sources:
        if src.startswith("data:image/png;base64,"):
            info = Image.open(io.BytesIO(base64.b64decode(src.partition(",")[2]))).info
            if info.get("Title") == STILL_TITLE and info.get("Description"):
                shown.append(info["Description"])
    return shown


def show_gif_calls(py: Path) -> int:
    """How many times the code cells of a notebook's jupytext source call cu.show_gif."""
    code = [c.source for c in jupytext.read(py).cells if c.cell_type == "code"]
    lines = [line for source in code for line in source.splitlines() if not line.lstrip().startswith("#")]
    return sum(len(re.findall(r"(?<![\w.])cu\.show_gif\(", line)) for line in lines)


def notebook_of(*bundles: dict) -> nbformat.NotebookNode:
    """A notebook with one code cell whose outputs are ``bundles`` (display_data, as IPython saves them)."""
    cell = nbformat.v4.new_code_cell("cu.show_gif(episode)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle) for bundle in bundles]
    return nbformat.v4.new_notebook(cells=[cell])


def displayed(obj, monkeypatch) -> list[dict]:
    """The raw bundles ``obj`` displays, in order."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw=False: shown.append(bundle))
    obj._ipython_display_()
    return shown


@pytest.fixture(scope="module")
def gif() -> cu.GIF:
    env = cu.make_env(render_mode="rgb_array")
    episode = cu.record_episode(env, None, seed=0, max_steps=30)
    env.close()
    return cu.show_gif(episode, caption="a random policy")


def test_show_gif_output_shows_its_agent_on_github(gif, github, monkeypatch) -> None:
    nb = notebook_of(*displayed(gif, monkeypatch))
    page, _ = github.from_notebook_node(nb)
    assert visible_agents(page) == [gif.caption]
    assert gif.caption in html.unescape(page), "the caption (the GIF's alt text) should be readable"
    # ... while nbconvert's own HTML (nbviewer) still shows the animation, inside its SVG wrapper.
    plain, _ = HTMLExporter().from_notebook_node(nb)
    svgs = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', plain)
    assert any("data:image/gif;base64," in base64.b64decode(s).decode() for s in svgs)


def test_a_gif_output_without_a_still_shows_no_agent_on_github(gif, github, monkeypatch) -> None:
    """What cu.show_gif displayed before stills: the GIF with its SVG wrapper, then the caption."""
    old = displayed(gif, monkeypatch)[:2]
    assert [bundle.keys() for bundle in old] == [{"image/gif", "image/svg+xml", "text/plain"},
                                                 {"text/markdown", "text/plain"}]
    page, _ = github.from_notebook_node(notebook_of(*old))
    assert visible_agents(page) == []
    assert "&lt;svg" in page, "the sanitizer escapes the inline SVG wrapper into text"
    assert not any(src.startswith("data:image/gif") for src in _sources(page))


def test_a_png_that_is_not_a_still_is_not_counted(github) -> None:
    buf = io.BytesIO()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(buf, format="PNG")
    plot = {"image/png": base64.b64encode(buf.getvalue()).decode(), "text/plain": "<Figure>"}
    page, _ = github.from_notebook_node(notebook_of(plot))
    assert visible_agents(page) == []


def _sources(page: str) -> list[str]:
    parser = _ImageSources()
    parser.feed(page)
    return parser.sources


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_gif_shows_an_agent_on_github(notebook: Path, github) -> None:
    expected = show_gif_calls(notebook.with_suffix(".py"))
    page, _ = github.from_notebook_node(nbformat.read(notebook, as_version=4))
    shown = visible_agents(page)
    assert len(shown) == expected, (
        f"{notebook.name}: {expected} cu.show_gif calls in its source but {len(shown)} agents visible in "
        "GitHub-style HTML; rebuild the notebook (tools/build_notebooks.py) so every GIF has its still."
    )
