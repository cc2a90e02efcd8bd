"""Rebuild the published notebooks: .py source -> executed .ipynb with outputs.

For each ``notebooks/NN_name.py`` (or the ones named on the command line) this runs the notebook
top to bottom in a fresh kernel and writes ``notebooks/NN_name.ipynb`` with its outputs, stamped
with a hash of the code cells that produced them, a hash of the code (docstrings and comments
left out) of every ``cartpole_utils`` module they loaded, and the library versions they ran with.
``tests/test_notebooks.py`` fails when the stamp no longer matches the cells or the package code,
when a cell was not run in order, or when the pair drifted; it compares the versions only where
the ones ``make setup`` installs are installed. It builds only with those versions.

    python tools/build_notebooks.py                 # all notebooks
    python tools/build_notebooks.py 03 05           # some, by number
    python tools/build_notebooks.py --inputs-only   # carry .py edits of markdown only
"""

from __future__ import annotations

import argparse
import ast
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
    """``cartpole_utils.lessons.nb06_soft_updates`` -> its source file in the repository (a package's
    ``__init__.py``)."""
    folder = PACKAGE.joinpath(*module.split(".")[1:])
    return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")


def code_of(source: str) -> str:
    """What in a module's source can change what it computes: its syntax tree without docstrings.

    Comments never reach the tree, and the docstrings of the module, its classes and functions are
    dropped, so prose-only edits leave the result unchanged; every other edit (a number, a name, a
    string the code prints) changes it.
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def module_hash(module: str) -> str:
    """sha256 of a cartpole_utils module's name and code (:func:`code_of`); a missing file hashes
    as missing."""
    path = module_file(module)
    code = code_of(path.read_text(encoding="utf-8")) if path.exists() else "<missing>"
    return hashlib.sha256(module.encode() + b"\0" + code.encode()).hexdigest()


def stale_modules(stamp: dict[str, object]) -> list[str]:
    """The modules of a notebook's stamp whose code changed since its outputs were made."""
    recorded = stamp.get("module_sha256", {})
    assert isinstance(recorded, dict)
    return [module for module in sorted(recorded) if recorded[module] != module_hash(module)]


def versions() -> dict[str, str]:
    """Installed versions of the libraries that shape the numbers."""
    from importlib.metadata import version

    return {name: version(name) for name in VERSIONED}


def reference_versions() -> dict[str, str]:
    """The versions ``make setup`` installs: torch from the Makefile's ``TORCH``, the rest from
    ``constraints.txt``. The published outputs are made with these."""
    import re

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s#;]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    torch = re.search(r"^TORCH\s*\?=\s*torch==(\S+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    if torch:
        pins["torch"] = torch.group(1)
    missing = [name for name in VERSIONED if name not in pins]
    if missing:
        raise SystemExit(f"constraints.txt (or the Makefile's TORCH) pins no version of {missing}.")
    return {name: pins[name] for name in VERSIONED}


def _public(version: str) -> str:
    """``2.13.0+cpu`` -> ``2.13.0``: the local label names a build, not other code."""
    return version.split("+", 1)[0]


def version_mismatch(installed: dict[str, str] | None = None) -> str | None:
    """None where the installed libraries are the reference ones (so the published numbers can be
    compared); else one line that says which differ and why the numbers may too."""
    installed = versions() if installed is None else installed
    reference = reference_versions()
    differ = [f"{name} {installed.get(name)} (outputs made with {reference[name]})"
              for name in VERSIONED if _public(str(installed.get(name))) != _public(reference[name])]
    if not differ:
        return None
    return ("this environment has " + ", ".join(differ) + ": other library versions can compute other "
            "numbers, so the published numbers are not compared here (`make setup` installs the "
            "versions they were made with).")


def stamp(nb: object, modules: list[str]) -> dict[str, object]:
    """What the published outputs of a notebook depend on."""
    return {"code_sha256": code_hash(nb),
            "module_sha256": {module: module_hash(module) for module in sorted(modules)},
            "versions": versions()}


def select(numbers: list[str]) -> list[Path]:
    sources = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if numbers:
        sources = [p for p in sources if p.name[:2] in numbers]
    return sources


def cell_timeout(nb: object, default: int) -> int:
    """The per-cell timeout a notebook asks for in its metadata (``execution: timeout``, which
    nbmake reads too), else ``default``."""
    execution = nb.metadata.get("execution", {})  # type: ignore[attr-defined]
    return int(execution.get("timeout", default))


def slowest_cell(nb: object) -> tuple[int, float]:
    """(code cell number from 1, seconds) of the slowest cell, from nbclient's timing metadata."""
    from datetime import datetime

    slowest = (0, 0.0)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]  # type: ignore[attr-defined]
    for number, cell in enumerate(code_cells, start=1):
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start, end = (datetime.fromisoformat(timing[key].replace("Z", "+00:00"))
                          for key in ("iopub.execute_input", "shell.execute_reply"))
            if (end - start).total_seconds() > slowest[1]:
                slowest = (number, (end - start).total_seconds())
    return slowest


def execute(py: Path, timeout: int) -> tuple[float, int, float]:
    """Run a notebook, store it with its outputs and stamp; (seconds, slowest cell, its seconds)."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(py)
    nb.metadata.pop("jupytext", None)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    started = time.perf_counter()
    NotebookClient(
        nb, timeout=cell_timeout(nb, timeout), kernel_name="python3", record_timing=True,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()
    seconds = time.perf_counter() - started
    probe = nb.cells.pop()
    modules = json.loads(probe.outputs[0]["text"])
    number, slowest = slowest_cell(nb)
    for cell in nb.cells:  # timings vary from run to run: not part of what is published
        cell.metadata.pop("execution", None)
    nb.metadata[STAMP_KEY] = stamp(nb, modules)
    nbformat.write(nb, py.with_suffix(".ipynb"))
    return seconds, number, slowest


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
    parser.add_argument("--timeout", type=int, default=3600,
                        help="seconds per cell, where a notebook's metadata sets none")
    parser.add_argument("--inputs-only", action="store_true", help="do not execute")
    parser.add_argument("--other-versions", action="store_true",
                        help="build with library versions other than the ones `make setup` installs")
    args = parser.parse_args()
    other = version_mismatch()
    if other and not args.inputs_only and not args.other_versions:
        raise SystemExit(f"Not building: {other} (pass --other-versions to build anyway)")
    for py in select(args.numbers):
        if args.inputs_only:
            update_inputs(py)
            print(f"{py.stem}: inputs updated")
        else:
            seconds, number, slowest = execute(py, args.timeout)
            size = py.with_suffix(".ipynb").stat().st_size / 1e3
            print(f"{py.stem}: executed in {seconds:.1f} s (slowest: code cell {number}, {slowest:.1f} s), "
                  f"{size:.0f} kB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
