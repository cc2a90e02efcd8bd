"""Rebuild the published notebooks: .py source -> executed .ipynb with outputs.

For each ``notebooks/NN_name.py`` (or the ones named on the command line) this runs the notebook
top to bottom in a fresh kernel and writes ``notebooks/NN_name.ipynb`` with its outputs, stamped
with a hash of the code cells that produced them. ``tests/test_notebooks.py`` fails when the
stamp no longer matches the cells, when a cell was not run in order, or when the pair drifted.

    python tools/build_notebooks.py                 # all notebooks
    python tools/build_notebooks.py 03 05           # some, by number
    python tools/build_notebooks.py --inputs-only   # carry .py edits of markdown only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STAMP_KEY = "course"


def code_hash(nb: object) -> str:
    """sha256 of the code cells' sources, in order (markdown edits do not change it)."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]  # type: ignore[attr-defined]
    return hashlib.sha256(json.dumps(sources).encode()).hexdigest()


def select(numbers: list[str]) -> list[Path]:
    sources = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if numbers:
        sources = [p for p in sources if p.name[:2] in numbers]
    return sources


def execute(py: Path, timeout: int) -> float:
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(py)
    nb.metadata.pop("jupytext", None)
    started = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()
    seconds = time.perf_counter() - started
    nb.metadata[STAMP_KEY] = {"code_sha256": code_hash(nb)}
    nbformat.write(nb, py.with_suffix(".ipynb"))
    return seconds


def update_inputs(py: Path) -> None:
    """Copy markdown from the .py into the .ipynb, keeping outputs (code must be unchanged)."""
    import jupytext
    import nbformat

    ipynb = py.with_suffix(".ipynb")
    text_nb = jupytext.read(py)
    old = nbformat.read(ipynb, as_version=4)
    if code_hash(text_nb) != old.metadata.get(STAMP_KEY, {}).get("code_sha256"):
        raise SystemExit(f"{py.name}: code changed since its outputs were made; re-execute it.")
    code_cells = iter([c for c in old.cells if c.cell_type == "code"])
    cells = [next(code_cells) if c.cell_type == "code" else c for c in text_nb.cells]
    old.cells = cells
    nbformat.write(old, ipynb)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="two-digit notebook numbers (default: all)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--inputs-only", action="store_true", help="do not execute")
    args = parser.parse_args()
    for py in select(args.numbers):
        if args.inputs_only:
            update_inputs(py)
            print(f"{py.stem}: inputs updated")
        else:
            seconds = execute(py, args.timeout)
            size = py.with_suffix(".ipynb").stat().st_size / 1e3
            print(f"{py.stem}: executed in {seconds:.1f} s, {size:.0f} kB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
