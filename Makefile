# csmodel — set-up and everyday commands. `make demo` and `make test` work on a
# fresh machine: each creates .venv and installs what it needs from PyPI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= scenarios/saas-company.yaml

.PHONY: demo test test-thorough test-integration wheelhouse lint format bench dist clean docs docs-reference docs-samples

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

# Wheels of csmodel's run-time dependencies and of its build backend (what `pip download .`
# reads from pyproject.toml, plus [build-system] requires), fetched once like the install:
# tests/test_precommit.py installs the pre-commit hooks from them with no index, offline.
WHEELHOUSE := $(VENV)/wheelhouse
$(WHEELHOUSE)/.downloaded: pyproject.toml | $(VENV)/.installed-dev
	mkdir -p $(WHEELHOUSE)
	$(BIN)/python -c 'import sys; t = __import__("tomllib" if sys.version_info >= (3, 11) else "tomli"); print(*t.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' > $(WHEELHOUSE)/build-requires.txt
	$(BIN)/python -m pip download --quiet --quiet --dest $(WHEELHOUSE) -r $(WHEELHOUSE)/build-requires.txt .
	touch $@

wheelhouse: $(WHEELHOUSE)/.downloaded

test: $(VENV)/.installed-dev $(WHEELHOUSE)/.downloaded
	$(BIN)/ruff check csmodel tests benchmarks
	$(BIN)/ruff format --check csmodel tests benchmarks
	$(BIN)/python -m pytest

test-thorough: $(VENV)/.installed-dev $(WHEELHOUSE)/.downloaded
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest

# The report and the workbook as people open them (not part of `make test`): headless
# Chromium renders the HTML report to PNG and PDF; headless LibreOffice recalculates the
# workbook's formulas, compared with csmodel's JSON to 1e-6. Both tools come from Debian's
# packages: `sudo apt-get install -y chromium libreoffice-calc` (a missing tool is a skip).
test-integration: $(VENV)/.installed-dev
	CSMODEL_INTEGRATION=1 $(BIN)/python -m pytest tests/integration

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check csmodel tests benchmarks
	$(BIN)/ruff format --check csmodel tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff format csmodel tests benchmarks
	$(BIN)/ruff check --fix csmodel tests benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/simulate.py
	$(BIN)/python benchmarks/discrete.py

# The sdist and the wheel (built from the sdist, in an isolated environment with the
# build-system's setuptools) in dist/; the version is csmodel/__init__.py's __version__.
dist: $(VENV)/.installed-dev
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

# Documentation (docs/, issue 16). The reference pages are generated from the code and the
# console samples re-run from the commands marked above them (`<!-- sample: csmodel ... -->`);
# `make test` fails when either is stale, and these two rules bring them up to date.
docs-reference: $(VENV)/.installed
	$(BIN)/python -m csmodel.docgen reference

docs-samples: $(VENV)/.installed
	$(BIN)/python -m csmodel.docgen samples

# The static site (MkDocs + Material, strict: a broken link fails) in site/. Its toolchain is
# the `docs` extra, kept in a venv of its own: neither csmodel nor `make test` needs it.
DOCS_VENV ?= .venv-docs
$(DOCS_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet --quiet -e ".[docs]"
	touch $@

docs: $(DOCS_VENV)/.installed
	$(DOCS_VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) $(DOCS_VENV) site build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
