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


PACKAGE = ROOT / "cartpole_utils"
#: Libraries whose versions are part of the stamp: other versions may compute other numbers.
VERSIONED = ("torch", "numpy", "gymnasium")
#: Run in the notebook's kernel after its last cell: which package modules the notebook loaded.
PROBE = (
    "import json as _json, sys as _sys\n"
    "print(_json.dumps(sorted(m for m in _sys.modules if m == 'cartpole_utils' "
    "or m.startswith('cartpole_utils.'))))"
)


def code_hash(nb: object) -> str:
    """sha256 of the code cells' sources, in order (markdown edits do not change it)."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]  # type: ignore[attr-defined]
    return hashlib.sha256(json.dumps(sources).encode()).hexdigest()


def module_file(module: str) -> Path:
    """``cartpole_utils.nb06_soft_updates`` -> its source file in the repository."""
    parts = module.split(".")[1:]
    return PACKAGE.joinpath(*parts).with_suffix(".py") if parts else PACKAGE / "__init__.py"


def package_hash(modules: list[str]) -> str:
    """sha256 of the sources of the given cartpole_utils modules (a missing file hashes as missing)."""
    digest = hashlib.sha256()
    for module in sorted(modules):
        path = module_file(module)
        digest.update(module.encode() + b"\0" + (path.read_bytes() if path.exists() else b"<missing>"))
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Installed versions of the libraries that shape the numbers."""
    from importlib.metadata import version

    return {name: version(name) for name in VERSIONED}


def stamp(nb: object, modules: list[str]) -> dict[str, object]:
    """What the published outputs of a notebook depend on."""
    return {"code_sha256": code_hash(nb), "package_modules": sorted(modules),
            "package_sha256": package_hash(modules), "versions": versions()}


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
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    started = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()
    seconds = time.perf_counter() - started
    probe = nb.cells.pop()
    modules = json.loads(probe.outputs[0]["text"])
    nb.metadata[STAMP_KEY] = stamp(nb, modules)
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
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
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
