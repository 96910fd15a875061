# Two commands for a fresh machine with Python >= 3.11 and make:
#   make lab    set up .venv if needed, then open your own copies of the course in JupyterLab
#   make test   set up .venv if needed, then run the whole test suite
# Everything installs into .venv inside this folder; nothing touches the system Python.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2
# your own copies of course/, made on first use and never overwritten (git ignores them)
WORKSPACE ?= workspace
# JupyterLab refuses to run as root (containers, CI) unless told so explicitly
LAB_FLAGS := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab instructor hub test test-fast test-unit venv lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gdcourse needs Python >= 3.11, found " + sys.version.split()[0] + " (set PYTHON=python3.x)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/gdcourse workspace --workspace $(WORKSPACE)
	$(BIN)/jupyter lab $(LAB_FLAGS) $(WORKSPACE)/

# JupyterLab with the nbgrader formgrader pointed at this course (see "For instructors" in README.md)
instructor: $(STAMP)
	JUPYTER_CONFIG_PATH=$(CURDIR)/autograde $(BIN)/jupyter lab $(LAB_FLAGS)

# A demo class on this machine, as root: JupyterHub at http://127.0.0.1:8000 with the users
# instructor, learner1, learner2 and nbgrader's exchange (docs/instructors.md, "Run a class").
# Needs no .venv: the hub gets its own environment from the system Python. Ctrl-C stops it all.
hub:
	@hub/demo.sh

# The whole suite: fast unit tests, notebook execution, nbgrader round trips, the grading
# pipeline and the browser tier (the browser tier needs Debian's chromium; see README.md).
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

# The fast tier: gdutils unit tests, in seconds.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not explorers" -q -n $(PYTEST_WORKERS)

# All unit tests, the widget explorers' included (under a minute).
test-unit: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q -n $(PYTEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check gdutils autograde tests bench solutions

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache test-artifacts
