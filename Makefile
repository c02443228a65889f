# The README's two commands are `make demo` and `make test`; both create what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip -q --disable-pip-version-check

.PHONY: demo test lint format bench serve clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "vetline needs Python 3.11+; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[postgres,spark,dev]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed  ## synthetic surge -> import -> screen -> summary (SQLite + DuckDB)
	$(BIN)/vetline demo

test: $(VENV)/.dev-installed  ## the whole suite, PostgreSQL and browser tests included
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

format: $(VENV)/.dev-installed
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

serve: $(VENV)/.installed
	$(BIN)/vetline serve

clean:
	rm -rf $(VENV) vetline-data demo-data .pytest_cache .mypy_cache .ruff_cache
