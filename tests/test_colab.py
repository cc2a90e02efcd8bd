"""The course on Colab as it is: the setup cell upgrades nothing Colab ships, and the notebooks run
with Colab's ipywidgets 7 and IPython 7.

A Colab-like environment is built once from ``tests/colab/constraints.txt`` (the versions of
Colab's published package list; the file says which stand-ins this machine needs) into
``build/colab-env`` and reused while that file is unchanged. Building it takes a few minutes of
downloads the first time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "tests" / "colab" / "constraints.txt"
ENV = ROOT / "build" / "colab-env"
# Notebook 00 (no training: the shipped agent, the episode player) and 06 (the final agent: progress
# bar, the explorer's sliders, a GIF): between them every kind of output the course makes.
NOTEBOOKS = ("00_environment", "06_soft_updates")


def pins() -> dict[str, str]:
    """The constraints file as {package name: version}."""
    found = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            found[name.strip().lower()] = version.strip()
    return found


def _pip(*args: str, python: Path | None = None) -> subprocess.CompletedProcess:
    python = python or ENV / "bin" / "python"
    result = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True)
    assert result.returncode == 0, (
        f"pip {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def _installed(python: Path) -> dict[str, str]:
    out = _pip("list", "--format=json", python=python).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(out)}


@pytest.fixture(scope="module")
def colab_python() -> Path:
    """The Colab-like environment's interpreter, built if missing or out of date."""
    digest = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()
    marker = ENV / ".constraints-sha256"
    python = ENV / "bin" / "python"
    ENV.parent.mkdir(exist_ok=True)
    with open(ENV.parent / "colab-env.lock", "w") as lock:  # pytest-xdist workers build it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (python.exists() and marker.exists() and marker.read_text() == digest):
            shutil.rmtree(ENV, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(ENV)], check=True)
            _pip("install", "-q", "-r", str(CONSTRAINTS), "joblib")
            marker.write_text(digest)
    return python


def setup_cell_requirement() -> tuple[str, list[str]]:
    """The requirement and pip options of the notebooks' Colab setup cell (00's; all are alike)."""
    cells = jupytext.read(ROOT / "notebooks" / "00_environment.py").cells
    setup = next(c for c in cells if "colab-setup" in c.metadata.get("tags", []))
    call = re.search(r'"pip", "install",(.*?)\]', setup.source, re.S)
    assert call, "The setup cell should call pip install."
    args = re.findall(r'"([^"]+)"', call.group(1))
    requirement = next(a for a in args if a.startswith("cartpole-utils @ "))
    return requirement, [a for a in args if a != requirement]


def test_setup_cell_installs_only_what_colab_lacks(colab_python: Path, tmp_path: Path) -> None:
    requirement, options = setup_cell_requirement()
    assert not {"-U", "--upgrade", "--force-reinstall"} & set(options), (
        f"The setup cell must not upgrade what Colab ships; it passes {options}."
    )
    local = requirement.split(" @ ")[0] + f" @ {ROOT.as_uri()}"  # this checkout instead of GitHub
    report = tmp_path / "report.json"
    _pip("install", *options, "--dry-run", "--report", str(report), local, python=colab_python)
    planned = {item["metadata"]["name"].lower(): item["metadata"]["version"]
               for item in json.loads(report.read_text())["install"]}
    changed = {name: (pins()[name], planned[name]) for name in planned if name in pins()}
    assert not changed, f"On Colab the setup cell would change what Colab ships (was, would be): {changed}"
    assert set(planned) == {"cartpole-utils"}, f"Colab has everything else; the install would add {planned}"


def _run_in_colab_env(name: str, colab_python: Path, tmp_path: Path, monkeypatch) -> nbformat.NotebookNode:
    kernel = tmp_path / "jupyter" / "kernels" / "colab-like"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(colab_python), "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                 "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import IPython, ipywidgets\nprint(IPython.__version__, ipywidgets.__version__)"))
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    NotebookClient(nb, kernel_name="colab-like", timeout=300,  # a stuck cell fails in minutes
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return nb


def test_notebooks_run_with_colabs_widgets_and_ipython(colab_python: Path, tmp_path: Path,
                                                       monkeypatch) -> None:
    _, options = setup_cell_requirement()
    before = _installed(colab_python)
    # What the setup cell does on Colab, from this checkout (the dry run above checks the deps).
    _pip("install", *options, "--no-deps", "--force-reinstall", str(ROOT), python=colab_python)
    after = _installed(colab_python)
    assert {n: after.get(n) for n in pins()} == {n: before.get(n) for n in pins()}
    for name in NOTEBOOKS:
        nb = _run_in_colab_env(name, colab_python, tmp_path / name, monkeypatch)
        versions = nb.cells[1].outputs[0]["text"].split()
        assert versions == [pins()["ipython"], pins()["ipywidgets"]], f"{name} ran with {versions}"
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        errors = [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
        assert not errors, f"{name} wrote errors or warnings under Colab's versions: {errors[:2]}"
        gifs = [o for o in outputs if "image/gif" in o.get("data", {})]
        assert gifs, f"{name} showed no GIF under Colab's versions."
        widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        for widget in widgets:
            text = widget.data["text/plain"]
            assert not text.startswith(("VBox(", "interactive(")), (
                f"{name}: under ipywidgets 7 a widget's saved text is its raw repr: {text[:80]}"
            )
        if name == "06_soft_updates":
            assert widgets, "06's explorer should be a widget under ipywidgets 7."
            import cartpole_utils as cu

            done = f"{cu.SoftConfig().total_steps}/{cu.SoftConfig().total_steps}"
            bars = [o for o in outputs if done in o.get("data", {}).get("text/plain", "")]
            assert bars, "06's progress bar should be saved finished under IPython 7."
