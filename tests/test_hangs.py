"""A notebook run never waits in silence: cells have timeouts, and no widget triggers nbclient's stall.

The stall: when a cell's output goes into an ipywidgets ``Output`` widget (``widgets.interactive``,
``interact`` and ``with out:`` all do that), nbclient mimics the widget and sends a ``comm_msg``
on the kernel's shell socket while it is also waiting on that socket for the cell's
``execute_reply``. On a loaded machine the reply can then arrive without waking the wait: the
kernel is idle, its reply sits in the client's socket, and nbclient sleeps until its per-cell
timeout (jupyter/nbclient#312, https://github.com/jupyter/nbclient/issues/312). The course's
widgets therefore show figures and GIFs in ``Image`` widgets, never through an ``Output`` widget,
and the tests below keep it that way.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
import tomllib

import cartpole_utils as cu

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
UPSTREAM = "https://github.com/jupyter/nbclient/issues/312"
#: Calls that route a cell's output through an ipywidgets Output widget.
OUTPUT_WIDGET_CALLS = {"Output", "interactive", "interact", "interact_manual", "interactive_output"}


def _calls(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):  # @widgets.interact
            names.update(d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")
                         for d in node.decorator_list)
    return names


def _notebook_code(py: Path) -> str:
    cells = [c.source for c in jupytext.read(py).cells if c.cell_type == "code"]
    return "\n".join(line for cell in cells for line in cell.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


@pytest.mark.parametrize("py", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_use_no_output_widget(py: Path) -> None:
    found = _calls(_notebook_code(py)) & OUTPUT_WIDGET_CALLS
    assert not found, (
        f"{py.name} calls {sorted(found)}: output shown through an ipywidgets Output widget can stall a "
        f"headless notebook run until its timeout ({UPSTREAM}). Use cu.explorer or cu.episode_picker, "
        "which show figures and GIFs in Image widgets."
    )


@pytest.mark.parametrize("module", sorted((ROOT / "cartpole_utils").glob("*.py")), ids=lambda p: p.stem)
def test_package_uses_no_output_widget(module: Path) -> None:
    found = _calls(module.read_text(encoding="utf-8")) & OUTPUT_WIDGET_CALLS
    assert not found, f"cartpole_utils/{module.name} calls {sorted(found)} ({UPSTREAM}); use an Image widget."


def _children(widget) -> list:
    seen = [widget]
    for child in getattr(widget, "children", ()):
        seen += _children(child)
    return seen


def test_course_widgets_hold_no_output_widget() -> None:
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def draw(tau: float = 0.5):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, tau])
        return fig

    env = cu.make_env(render_mode="rgb_array")
    episode = cu.record_episode(env, None, seed=0, max_steps=5)
    made = [cu.explorer(draw, tau=(0.0, 1.0)), cu.episode_player(episode, static=False),
            cu.episode_picker(lambda seed: episode, seed=[1, 2])]
    for widget in made:
        kinds = {type(w).__name__ for w in _children(widget)}
        assert not any(isinstance(w, widgets.Output) for w in _children(widget)), (
            f"a course widget holds an Output widget ({sorted(kinds)}); see {UPSTREAM}."
        )


def _makefile_timeout() -> int:
    match = re.search(r"--nbmake-timeout=(\d+)", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert match, "make test must give nbmake a per-cell timeout (--nbmake-timeout)."
    return int(match.group(1))


def test_every_cell_has_a_timeout_in_minutes() -> None:
    per_cell = _makefile_timeout()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    guard = pyproject["tool"]["pytest"]["ini_options"]
    assert per_cell <= 600, (
        f"make test lets a notebook cell run {per_cell} s: a stuck cell should fail in minutes."
    )
    for py in NOTEBOOKS:
        metadata = nbformat.read(py.with_suffix(".ipynb"), as_version=4).metadata
        timeout = metadata.get("execution", {}).get("timeout") or per_cell
        assert timeout <= 1200, f"{py.name}: a cell may run {timeout} s before it fails."
        assert timeout < int(guard["timeout"]), (
            f"{py.name}: the per-cell timeout ({timeout} s) must fire before pytest-timeout's "
            f"whole-test guard ({guard['timeout']} s), so the failure names the cell."
        )
    assert guard.get("timeout_method") == "thread", "the guard must stop a test stuck in C code too."


def test_a_stuck_cell_fails_within_its_timeout_and_is_named(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("import time\ntime.sleep(600)  # the stuck cell")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "stuck.ipynb"
    nbformat.write(nb, path)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "--nbmake-timeout=5", "-p", "no:cacheprovider",
         "-p", "no:randomly", str(path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert seconds < 120, f"a 5 s cell timeout took {seconds:.0f} s to fail the run"
    assert "time.sleep(600)  # the stuck cell" in proc.stdout, proc.stdout[-2000:]
    assert "timed out" in proc.stdout.lower(), proc.stdout[-2000:]
