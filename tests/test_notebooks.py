"""The notebooks as published: pairs in sync, outputs fresh, exports generated from them.

nbmake executes the notebooks themselves (``make test``); these tests check what a reader sees
without running anything.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from build_notebooks import (  # noqa: E402
    STAMP_KEY,
    code_hash,
    stale_modules,
    version_mismatch,
    versions,
)

SOURCES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
IDS = [p.stem for p in SOURCES]
BADGE = "https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/"


def test_there_are_notebooks() -> None:
    assert len(SOURCES) >= 2, "notebooks/ should hold the numbered py:percent notebooks."


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_pair_in_sync(py: Path) -> None:
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run `make notebooks NB={py.name[:2]}`."
    text_cells = _cells(jupytext.read(py))
    nb_cells = _cells(nbformat.read(ipynb, as_version=4))
    assert text_cells == nb_cells, (
        f"{py.name} and {ipynb.name} differ: edit the .py and run `make notebooks NB={py.name[:2]}` "
        "(or `python tools/build_notebooks.py --inputs-only` for markdown-only edits)."
    )


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_pair_tags_kept(py: Path) -> None:
    text_tags = [c.metadata.get("tags", []) for c in jupytext.read(py).cells]
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    nb_tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert text_tags == nb_tags, f"Cell tags of {py.name} and its .ipynb differ."


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_outputs_come_from_these_cells_in_one_run(py: Path) -> None:
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    stamp = nb.metadata.get(STAMP_KEY, {})
    rebuild = f"run `make notebooks NB={py.name[:2]}`"
    assert stamp.get("code_sha256") == code_hash(nb), (
        f"The outputs of {py.with_suffix('.ipynb').name} were made by other code than its cells hold: "
        f"{rebuild}."
    )
    modules = stamp.get("module_sha256")
    assert modules, f"{py.name}: the outputs carry no record of the package code they ran: {rebuild}."
    changed = stale_modules(stamp)
    assert not changed, (
        f"The outputs of {py.with_suffix('.ipynb').name} were made with other cartpole_utils code than the "
        f"package now holds ({', '.join(changed)} changed in more than docstrings and comments): {rebuild}."
    )
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{py.name}: code cells were not executed once each, top to bottom, in a fresh kernel "
        f"(execution counts {counts}); run `make notebooks NB={py.name[:2]}`."
    )
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{py.name} was published with an error output: {errors[0].get('ename')}."


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_outputs_made_with_the_installed_versions(py: Path) -> None:
    """Only where the installed torch, NumPy and Gymnasium are the ones `make setup` installs: elsewhere
    (Colab, macOS, another supported torch) the numbers may differ and nothing is stale."""
    other = version_mismatch()
    if other:
        pytest.skip(other)
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    made_with = nb.metadata.get(STAMP_KEY, {}).get("versions", {})
    assert version_mismatch(made_with) is None, (
        f"The outputs of {py.with_suffix('.ipynb').name} were made with {made_with}, not the versions "
        f"`make setup` installs ({versions()}): run `make notebooks NB={py.name[:2]}`."
    )


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_every_notebook_starts_alike(py: Path) -> None:
    cells = jupytext.read(py).cells
    first = SOURCES[0]
    reference = next(c for c in jupytext.read(first).cells if c.cell_type == "code")
    assert BADGE + py.with_suffix(".ipynb").name in cells[0].source, (
        f"{py.name}: the first cell needs the Open-in-Colab badge for {py.with_suffix('.ipynb').name}."
    )
    setup = next(c for c in cells if c.cell_type == "code")
    assert "colab-setup" in setup.metadata.get("tags", []), f"{py.name}: the first code cell must be setup."
    assert setup.source == reference.source, f"{py.name}: the setup cell differs from {first.name}'s."
    assert "torch" not in setup.source.split("install")[-1], "The Colab setup must never install torch."
    assert "What you will learn" in "".join(c.source for c in cells[:4]), (
        f"{py.name}: say what the learner will learn near the top."
    )


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_gif_published(py: Path) -> None:
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    gifs = [
        base64.b64decode(o.data["image/gif"])
        for c in nb.cells if c.cell_type == "code"
        for o in c.outputs if "data" in o and "image/gif" in o.data
    ]
    assert gifs, f"{py.name}: the notebook should end by showing an episode as an inline GIF."
    assert all(len(g) < 300_000 for g in gifs), f"{py.name}: GIFs must stay under 300 KB."


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_gifs_and_captions_show_in_nbconvert_html(py: Path) -> None:
    """nbconvert's HTML (nbviewer, course sites) has no image/gif in its output priority: every
    GIF must reach the page through its SVG wrapper, and every caption as visible text."""
    import re

    from nbconvert import HTMLExporter

    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    gifs = [i for i, o in enumerate(outputs) if "image/gif" in o.get("data", {})]
    page, _ = HTMLExporter().from_notebook_node(nb)
    gif_uri = 'href="data:image/gif;base64,'
    encoded = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    svgs = [base64.b64decode(m).decode() for m in encoded]
    shown = page.count(gif_uri) + sum(gif_uri in svg for svg in svgs)  # inline SVG, or SVG as an <img>
    assert shown == len(gifs), (
        f"{py.name}: {len(gifs)} GIF outputs but {shown} GIFs in nbconvert's HTML; show GIFs with "
        "cu.show_gif, whose display bundle carries an SVG copy for HTML viewers."
    )
    for i in gifs:
        caption = outputs[i].data["text/plain"].partition(": ")[2].rstrip(">")
        follower = outputs[i + 1].get("data", {}) if i + 1 < len(outputs) else {}
        assert caption and follower.get("text/plain") == caption and "text/markdown" in follower, (
            f"{py.name}: GIF output {outputs[i].data['text/plain']!r} should be followed by its caption "
            "as a Markdown output (cu.show_gif does this)."
        )


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_saved_outputs_read_well_without_a_kernel(py: Path) -> None:
    """No widget shows as its constructor call, and no progress bar is saved unfinished."""
    import re

    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        for out in cell.outputs:
            texts = [out.get("text", ""), out.get("data", {}).get("text/plain", "")]
            for text in texts:
                assert not re.match(r"\s*(VBox|HBox|interactive|Box|IntSlider|FloatSlider)\(", text), (
                    f"{py.name}: a saved widget reads as code ({text[:60]!r}); give it a sentence "
                    "with cu.describe_widget."
                )
                shown = text.replace("\r", "\n").strip().splitlines()[-1:]  # what a frontend shows last
                for percent in re.findall(r"(\d+)%\|", "".join(shown)):
                    assert percent == "100", (
                        f"{py.name}: a progress bar was saved at {percent}% ({text.strip()[:80]!r}); "
                        "bars from cu.progress_bar are saved as they ended."
                    )


def test_exports_match_notebooks() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "export.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, (
        "cartpole_utils' taught components drifted from their notebooks:\n" + proc.stdout
        + "Edit the notebook's `export` cells, then run `python tools/export.py`."
    )


def test_no_bare_done_in_notebooks() -> None:
    import re

    for py in SOURCES:
        code = "\n".join(c.source for c in jupytext.read(py).cells if c.cell_type == "code")
        assert not re.search(r"\bdone\b", code), f"{py.name}: use terminated/truncated, never `done`."


def _copy_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    import build_notebooks

    fake = tmp_path / "cartpole_utils"
    shutil.copytree(ROOT / "cartpole_utils", fake, ignore=shutil.ignore_patterns("__pycache__", "data"))
    monkeypatch.setattr(build_notebooks, "PACKAGE", fake)
    return fake


def _reword_prose(source: str) -> str:
    """Every docstring reworded, a comment on every def and class, a comment line at the top."""
    import ast

    lines = source.splitlines(keepends=True)
    edits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                edits.append((first.lineno, first.end_lineno, first.col_offset))
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            edits.append((node.lineno, None, None))
    for start, end, col in sorted(edits, key=lambda e: (e[0], e[1] is not None), reverse=True):
        if end is None:
            lines[start - 1] = lines[start - 1].rstrip("\n") + "  # reworded\n"
        else:
            indent = " " * col
            lines[start - 1:end] = [f'{indent}"""Reworded: what this does, said otherwise."""\n']
    return "# A comment added at the top.\n" + "".join(lines)


def test_docstring_and_comment_edits_leave_every_notebook_fresh(tmp_path, monkeypatch) -> None:
    stamps = [nbformat.read(py.with_suffix(".ipynb"), as_version=4).metadata.get(STAMP_KEY, {})
              for py in SOURCES]
    fake = _copy_package(tmp_path, monkeypatch)
    modules = sorted(fake.rglob("*.py"))
    assert len(modules) > 10
    for path in modules:
        before = path.read_text(encoding="utf-8")
        path.write_text(_reword_prose(before), encoding="utf-8")
        assert path.read_text(encoding="utf-8") != before
    for py, stamp in zip(SOURCES, stamps):
        assert stale_modules(stamp) == [], f"{py.name}: a docstring or comment edit made its outputs stale."


def test_a_code_edit_stales_exactly_the_notebooks_that_ran_it(tmp_path, monkeypatch) -> None:
    stamps = {py.name: nbformat.read(py.with_suffix(".ipynb"), as_version=4).metadata.get(STAMP_KEY, {})
              for py in SOURCES}
    fake = _copy_package(tmp_path, monkeypatch)
    used = 0
    for component in sorted((fake / "lessons").glob("nb*.py")):
        module = f"cartpole_utils.lessons.{component.stem}"
        source = component.read_text(encoding="utf-8")
        component.write_text(source.replace("gamma: float = 0.99", "gamma: float = 0.98", 1)
                             if "gamma: float = 0.99" in source else source + "\n_EXTRA = 1\n",
                             encoding="utf-8")
        users = {name for name, stamp in stamps.items() if module in stamp.get("module_sha256", {})}
        stale = {name for name, stamp in stamps.items() if stale_modules(stamp)}
        assert stale == users, (
            f"editing {component.name} staled {sorted(stale)}, not {sorted(users)}"
        )
        assert len(stale) < len(stamps), f"{component.name} cannot be used by every notebook"
        used += bool(users)  # a lesson no later notebook runs (08's, 10's) stales none
        component.write_text(source, encoding="utf-8")
    assert used >= 4, "the lessons of 02-06 are run by the notebooks after them"


def test_a_missing_module_is_stale(tmp_path, monkeypatch) -> None:
    stamp = nbformat.read(SOURCES[-1].with_suffix(".ipynb"), as_version=4).metadata[STAMP_KEY]
    fake = _copy_package(tmp_path, monkeypatch)
    (fake / "evaluation.py").unlink()
    assert "cartpole_utils.evaluation" in stale_modules(stamp)


def test_other_library_versions_skip_with_one_line_that_says_why() -> None:
    import build_notebooks

    reference = build_notebooks.reference_versions()
    assert set(reference) == set(versions()) == {"torch", "numpy", "gymnasium"}
    assert version_mismatch(dict(reference)) is None
    assert version_mismatch({**reference, "torch": reference["torch"] + "+cpu"}) is None, (
        "A local build label (PyPI's 2.13.0 against the CPU wheel's 2.13.0+cpu) is the same torch."
    )
    message = version_mismatch({**reference, "torch": "2.14.1"})
    assert message and "torch 2.14.1" in message and reference["torch"] in message
    assert "numpy" not in message and "\n" not in message
    assert "numbers" in message


@pytest.mark.parametrize("number", ["07", "08", "09", "10"])
def test_notebooks_training_the_final_agent_depend_on_notebook_06(number: str) -> None:
    """Notebook 06 runs its own cells (their hash is in its stamp); the later notebooks run the
    exported copy, so a change to it must stale them."""
    py = next(p for p in SOURCES if p.name.startswith(number))
    stamp = nbformat.read(py.with_suffix(".ipynb"), as_version=4).metadata.get(STAMP_KEY, {})
    assert "cartpole_utils.lessons.nb06_soft_updates" in stamp.get("module_sha256", {}), (
        f"{py.name}'s outputs should record that they depend on notebook 06's exported code."
    )


def test_a_notebook_made_with_other_versions_skips_with_one_line(monkeypatch) -> None:
    """A learner with another torch (or NumPy, Gymnasium) gets a skip that says why, never a failure."""
    import build_notebooks

    installed = dict(build_notebooks.reference_versions(), torch="2.14.1")
    monkeypatch.setattr(build_notebooks, "versions", lambda: installed)
    for py in SOURCES:
        with pytest.raises(pytest.skip.Exception, match=r"torch 2\.14\.1 \(outputs made with 2\.13\.0\)"):
            test_outputs_made_with_the_installed_versions(py)
        test_outputs_come_from_these_cells_in_one_run(py)  # the code checks still run, and pass
