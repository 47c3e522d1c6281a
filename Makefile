# csmodel — set-up and everyday commands. `make demo` and `make test` work on a
# fresh machine: each creates .venv and installs what it needs from PyPI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= scenarios/saas-company.yaml

.PHONY: demo test test-thorough lint format bench clean

# `-qq`: pip shows errors only. One `--quiet` still relays setuptools' warning box
# about editable installs (a BuildBackendWarning) into `make demo`'s output.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --quiet

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip

# Stamp files record which install was done, so repeated runs are quick.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e ".[dev]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/csmodel project $(DEMO)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check csmodel tests benchmarks
	$(BIN)/ruff format --check csmodel tests benchmarks
	$(BIN)/python -m pytest

test-thorough: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check csmodel tests benchmarks
	$(BIN)/ruff format --check csmodel tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff format csmodel tests benchmarks
	$(BIN)/ruff check --fix csmodel tests benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
