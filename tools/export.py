"""Generate cartpole_utils' taught components from the notebooks' cells tagged ``export``.

The notebook that teaches a component is its only source. This script copies each
``notebooks/NN_name.py`` cell tagged ``export`` into ``cartpole_utils/lessons/nbNN_name.py`` and
writes the index ``cartpole_utils/lessons/__init__.py`` (name -> module, notebook). In a notebook
the code reaches everything as ``cu.X``; in the generated module each such name becomes a plain
import (``from ..env import make_env``, ``from .nb02_online_dqn import QNetwork``) that an editor
can follow, and ``cu.X`` becomes ``X``. ``--check`` writes nothing and fails if a generated file
differs from what the notebooks would generate (the drift test).

    python tools/export.py          # regenerate
    python tools/export.py --check  # exit 1 on drift
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PACKAGE = ROOT / "cartpole_utils"
LESSONS = PACKAGE / "lessons"
TAG = "export"


def notebook_sources() -> list[Path]:
    """The paired .py sources of the numbered notebooks, in order."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def exported_cells(path: Path) -> list[str]:
    """Sources of the cells tagged ``export`` in a py:percent notebook."""
    import jupytext

    nb = jupytext.read(path)
    return [
        without_form_title(cell.source)
        for cell in nb.cells
        if cell.cell_type == "code" and TAG in cell.metadata.get("tags", [])
    ]


def without_form_title(source: str) -> str:
    """A cell's source without its leading ``# @title`` line (Colab's form title of a collapsed cell)."""
    first, _, rest = source.partition("\n")
    return rest if first.startswith("# @title") else source


def module_name(path: Path) -> str:
    """``notebooks/03_experience_replay.py`` -> ``nb03_experience_replay``."""
    return "nb" + path.stem


def helper_modules() -> dict[str, str]:
    """Name -> helper module (``"make_env" -> "env"``) for every name a helper module defines."""
    names: dict[str, str] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem == "__init__":
            continue
        for name in public_names(path.read_text(encoding="utf-8")):
            names.setdefault(name, path.stem)
    return names


def plain_imports(body: str, here: str, lessons: dict[str, tuple[str, str]],
                  helpers: dict[str, str]) -> tuple[str, str]:
    """Rewrite ``cu.X`` in ``body`` as ``X``; return (import lines, new body).

    ``X`` comes from an earlier lesson (``from .nb02_online_dqn import X``) or a helper module
    (``from ..env import X``); a name found in neither is an error that names it.
    """
    import re

    used = sorted(set(re.findall(r"\bcu\.([A-Za-z_]\w*)", body)))
    sources: dict[str, list[str]] = {}
    for name in used:
        if name in lessons and lessons[name][0] != here:
            sources.setdefault(f".{lessons[name][0]}", []).append(name)
        elif name in helpers:
            sources.setdefault(f"..{helpers[name]}", []).append(name)
        else:
            raise SystemExit(f"{here}: cu.{name} is neither a helper nor taught by an earlier notebook.")
    lines = [import_line(module, names) for module, names in sorted(sources.items())]
    return "\n".join(lines), re.sub(r"\bcu\.([A-Za-z_]\w*)", r"\1", body)


def import_line(module: str, names: list[str], width: int = 110) -> str:
    """``from module import a, b``, or one name a line in parentheses if that is wider than ``width``."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= width:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")"


def render_module(path: Path, cells: list[str], lessons: dict[str, tuple[str, str]],
                  helpers: dict[str, str]) -> str:
    """The text of the generated module for one notebook."""
    rel = path.relative_to(ROOT).as_posix()
    header = (
        f'"""Components taught in {rel[:-3]}.ipynb.\n\n'
        f"Generated from the cells tagged `{TAG}` in {rel} by `python tools/export.py`.\n"
        "Edit the notebook, then regenerate; a test fails if this file drifts from it.\n"
        '"""\n'
    )
    body = "\n\n\n".join(cell.strip("\n") for cell in cells)
    tree = ast.parse(body)
    first = 0  # the cells' own imports come first; the plain imports of cu.X names follow them
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            break
        first = node.end_lineno or first
    lines = body.splitlines()
    own = [line for line in lines[:first] if line.strip() != "import cartpole_utils as cu"]
    imports, rest = plain_imports("\n".join(lines[first:]), module_name(path), lessons, helpers)
    top = "\n".join(own).strip("\n")
    parts = [part for part in (top, imports) if part]
    return header + "\n" + "\n\n".join(parts) + "\n\n\n" + rest.lstrip("\n").rstrip("\n") + "\n"


def public_names(source: str) -> list[str]:
    """Top-level functions, classes and assignments not starting with ``_``."""
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return [n for n in names if not n.startswith("_")]


def _isort_key(name: str) -> tuple[int, str]:
    """isort's order inside an import: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def generate() -> dict[Path, str]:
    """Every generated file's path and expected text."""
    files: dict[Path, str] = {}
    index: dict[str, tuple[str, str]] = {}
    helpers = helper_modules()  # read once: every lesson resolves its cu.X names against them
    for path in notebook_sources():
        cells = exported_cells(path)
        if not cells:
            continue
        module = module_name(path)
        text = render_module(path, cells, index, helpers)  # imports only from earlier lessons
        files[LESSONS / f"{module}.py"] = text
        for name in public_names(text):
            if name in index:
                raise SystemExit(f"{name} is exported by both {index[name][1]} and {path.stem}.")
            index[name] = (module, f"notebook {path.stem[:2]} ({path.stem})")
    modules: dict[str, list[str]] = {}
    for name, (module, _) in index.items():
        modules.setdefault(module, []).append(name)
    lines = [
        '"""The components the notebooks teach, generated from their cells tagged ``export``.',
        "",
        "One module a notebook (``nb03_experience_replay`` from notebook 03, ...); each imports helpers",
        "and earlier lessons, never the course tools. ``LESSONS`` indexes them: name -> (module, notebook).",
        "A lesson module loads when one of its names is first used (the imports under ``TYPE_CHECKING``",
        "are what an editor follows), so a notebook's outputs depend only on the lessons it used.",
        "Generated by ``python tools/export.py``; do not edit.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import importlib",
        "from typing import TYPE_CHECKING, Any",
        "",
        "if TYPE_CHECKING:",
        *(line for module in sorted(modules) for line in (
            f"    from .{module} import (",
            *(f"        {name}," for name in sorted(modules[module], key=_isort_key)),
            "    )",
        )),
        "",
        "__all__ = [",
        *(f"    {name!r}," for name in sorted(index)),
        "]",
        "",
        "LESSONS: dict[str, tuple[str, str]] = {",
        *(f"    {name!r}: {index[name]!r}," for name in sorted(index)),
        "}",
        "",
        "",
        "def __getattr__(name: str) -> Any:",
        "    if name not in LESSONS:",
        "        raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")",
        "    value = getattr(importlib.import_module(f\".{LESSONS[name][0]}\", __name__), name)",
        "    globals()[name] = value",
        "    return value",
        "",
        "",
        "def __dir__() -> list[str]:",
        "    return sorted([*globals(), *__all__])",
        "",
    ]
    files[LESSONS / "__init__.py"] = "\n".join(lines)
    return files


def stale_modules(files: dict[Path, str]) -> list[Path]:
    """Generated modules on disk that no notebook generates any more."""
    return [p for p in LESSONS.glob("nb[0-9][0-9]_*.py") if p not in files]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on drift, write nothing")
    args = parser.parse_args()
    files = generate()
    drift = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    extra = stale_modules(files)
    if args.check:
        for p in drift + extra:
            print(f"out of date: {p.relative_to(ROOT)} (run `python tools/export.py`)")
        return 1 if drift or extra else 0
    for p in drift:
        p.write_text(files[p])
        print(f"wrote {p.relative_to(ROOT)}")
    for p in extra:
        p.unlink()
        print(f"removed {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
