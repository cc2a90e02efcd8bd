"""The project's own install files agree with each other and with the README."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent


def requirements() -> dict[str, str]:
    reqs = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name = re.match(r"[A-Za-z0-9_.\-]+", line).group(0).lower()
            reqs[name] = line[len(name):].strip()
    return reqs


def test_torch_range_accepts_the_tested_cpu_build() -> None:
    spec = requirements()["torch"]
    assert "==" not in spec, "requirements.txt must give torch a range, not a pin (Colab keeps its torch)."
    lower = re.search(r">=\s*([\d.]+)", spec).group(1)
    upper = re.search(r"<\s*([\d.]+)", spec).group(1)
    version = (2, 13, 0)
    assert tuple(int(x) for x in lower.split(".")) <= version < tuple(int(x) for x in upper.split("."))


# Where pyproject.toml (what Colab's setup cell installs) is wider than requirements.txt (what
# `make setup` and Binder install), and why.
WIDER_FOR_COLAB = {
    "ipywidgets": "Colab ships ipywidgets 7.7.1; JupyterLab 4 needs 8",
    "gymnasium": "Colab ships pygame to render CartPole; the classic-control extra adds pygame-ce over it",
}


def test_pyproject_dependencies_agree_with_requirements() -> None:
    from packaging.requirements import Requirement

    reqs = {name: Requirement(name + spec) for name, spec in requirements().items()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dep in map(Requirement, project["dependencies"]):
        name = dep.name.lower()
        assert name in reqs, f"{name} is a dependency in pyproject.toml but missing from requirements.txt"
        local = reqs[name]
        if name not in WIDER_FOR_COLAB:
            assert (dep.specifier, dep.extras) == (local.specifier, local.extras), (
                f"{name}: pyproject.toml and requirements.txt disagree"
            )
            continue
        lowest = re.search(r">=\s*([\d.]+)", str(local.specifier)).group(1)
        assert dep.specifier.contains(lowest), (
            f"{name}: pyproject.toml must accept what requirements.txt installs ({local})"
        )
        assert dep.extras <= local.extras


def test_environment_yml_builds_requirements_with_cpu_torch() -> None:
    env = (ROOT / "environment.yml").read_text()
    assert "-r requirements.txt" in env, "environment.yml must install requirements.txt (one source)."
    assert "download.pytorch.org/whl/cpu" in env, "Binder needs the CPU build of torch (2 GB of memory)."
    assert "-e ." in env, "Binder must install cartpole_utils itself."
    python = re.search(r"python=(\d+)\.(\d+)", env)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python and (int(python.group(1)), int(python.group(2))) >= tuple(
        int(x) for x in re.search(r">=\s*([\d.]+)", requires).group(1).split(".")
    )


def test_requirements_cover_opening_and_testing() -> None:
    reqs = requirements()
    for needed in ("jupyterlab", "ipykernel", "jupytext", "pytest", "nbmake", "ipywidgets"):
        assert needed in reqs, f"requirements.txt should include {needed}"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    test_command = next(c.strip() for c in commands if "test" in c and "course" not in c)
    assert test_command in ci.splitlines(), f"`.ci/run` must run the README's test command: {test_command}"
    ci_lines = ci.splitlines()
    torch_line = next(i for i, line in enumerate(ci_lines) if "torch==2.13.0" in line)
    assert torch_line < ci_lines.index(test_command), "CI installs torch 2.13.0 before anything else."


def test_code_is_ruff_clean() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "cartpole_utils", "tests", "tools",
                           "benchmarks", "notebooks", "solutions"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, "ruff finds problems (run `make lint`):\n" + proc.stdout[-3000:]


def test_make_course_starts_jupyterlab_as_root_too() -> None:
    import os
    import shutil

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    proc = subprocess.run(["make", "-n", "-W", "requirements.txt", "course"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lab = next(line for line in proc.stdout.splitlines() if "jupyter lab" in line)
    assert ("--allow-root" in lab) == (os.getuid() == 0), (
        f"`make course` should pass --allow-root to JupyterLab exactly when run as root; it runs: {lab}"
    )


def test_readme_cheat_sheet_matches_the_final_agent() -> None:
    """Every setting in the README's cheat-sheet table is the final agent's (SoftConfig's)."""
    import cartpole_utils as cu

    readme = (ROOT / "README.md").read_text()
    sheet = readme.split("## Cheat sheet", 1)[1].split("## Glossary", 1)[0]
    rows = [line.split("|")[1:3] for line in sheet.splitlines() if line.startswith("| `")]
    assert rows, "The README's cheat sheet should have a settings table."
    config = cu.SoftConfig()
    for names, values in rows:
        fields = re.findall(r"`(\w+)`", names)
        numbers = re.findall(r"[\d.,e-]+\d|\d", values.replace("→", " ").replace("over", " "))
        assert len(fields) == len(numbers), f"cheat sheet row {names!r}: one value per setting"
        for field, number in zip(fields, numbers):
            assert float(number.replace(",", "")) == getattr(config, field), (
                f"README cheat sheet says {field} = {number}; SoftConfig has {getattr(config, field)}"
            )


def test_every_package_folder_is_installed() -> None:
    """lessons/ and course/ ship with the package (Colab installs it from GitHub, not editable)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(init.parent.relative_to(ROOT).parts)
               for init in (ROOT / "cartpole_utils").rglob("__init__.py")}
    assert folders == listed, f"pyproject.toml's [tool.setuptools] packages should be {sorted(folders)}"


def test_shipped_sweeps_are_the_committed_ones() -> None:
    """The sweep curves notebooks 07 and 10 read (cartpole_utils/data/sweeps/) are the committed
    held-out sweeps, field for field: `python tools/ship_sweeps.py` after a new sweep."""
    import json

    root = Path(__file__).resolve().parent.parent
    shipped = sorted((root / "cartpole_utils" / "data" / "sweeps").glob("*.json"))
    assert {p.name.split("_")[0] for p in shipped} >= {"online", "replay", "target", "double", "soft"}
    for path in shipped:
        data = json.loads(path.read_text())
        source = json.loads((root / data["source"]).read_text())["records"]
        fields = [k for k in data["records"][0] if k != "diagnostics"]
        kept = [{k: r[k] for k in fields} for r in source]
        assert [{k: r[k] for k in fields} for r in data["records"]] == kept, (
            f"{path.name} differs from {data['source']}: run python tools/ship_sweeps.py")
        for shipped_run, run in zip(data["records"], source):
            for key, values in shipped_run.get("diagnostics", {}).items():
                assert values == [round(v, 3) for v in run["diagnostics"][key]], (
                    f"{path.name}: {key} differs from {data['source']}: run python tools/ship_sweeps.py")
