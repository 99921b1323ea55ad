# Two commands on a fresh machine with only Python 3.11+:  make run  ·  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint sandbox

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/council-bot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict council

test: lint
	$(BIN)/pytest -q
