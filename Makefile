# The course's two commands (see README):  make course   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is installed first, on its own: 2.13.0 is the CPU build the course is tested with.
# A machine that already has a torch in the venv keeps it.
TORCH  ?= torch==2.13.0

.PHONY: setup course test notebooks export lint

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install "$(TORCH)"
	$(BIN)/pip install -r requirements.txt -c constraints.txt
	$(BIN)/pip install --no-deps -e .
	touch $@

# The test suite also runs a seed sweep on a local Dask cluster (tests/test_cluster.py); the notebooks
# do not need Dask, so only `make test` installs it.
$(VENV)/.installed-cluster: requirements-cluster.txt $(VENV)/.installed
	$(BIN)/pip install -r requirements-cluster.txt -c constraints.txt
	touch $@

# JupyterLab refuses to start as root (containers, many cloud VMs) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

course: setup
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

# Every notebook cell must finish within 300 s (the slowest takes about a tenth of that): a stuck
# cell fails the run in minutes, naming the notebook and the cell. pyproject.toml adds a whole-test
# guard.
test: setup $(VENV)/.installed-cluster
	$(BIN)/python -m pytest -n 2 --nbmake --nbmake-timeout=300 --durations=5 tests notebooks

# Regenerate cartpole_utils' taught components from the notebooks, then re-execute the notebooks
# (all, or NB="03 05") and store their outputs.
export: setup
	$(BIN)/python tools/export.py

notebooks: export
	$(BIN)/python tools/build_notebooks.py $(NB)

lint: setup
	$(BIN)/ruff check cartpole_utils tests tools benchmarks notebooks solutions
