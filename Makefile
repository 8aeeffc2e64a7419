# One command from a fresh clone: `make test` (creates .venv, installs, runs all checks).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test unit integration lint format typecheck notebooks live benchmark clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,lint,typing]"
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check langchain_cometgemini tests benchmarks scripts
	$(BIN)/ruff format --check langchain_cometgemini tests benchmarks scripts

format: $(STAMP)
	$(BIN)/ruff format langchain_cometgemini tests benchmarks scripts
	$(BIN)/ruff check --fix langchain_cometgemini tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy --strict langchain_cometgemini

unit: $(STAMP)
	$(BIN)/pytest tests/unit_tests --disable-socket --allow-unix-socket -q

integration: $(STAMP)
	$(BIN)/pytest tests --ignore=tests/unit_tests --ignore=tests/live -q

live: $(STAMP)
	$(BIN)/pytest tests/live -q -rs

test: lint typecheck unit integration

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
