# Two commands on a fresh machine with only Python 3.11+:  make run  ·  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint sandbox browser screenshots

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

# The web chat's browser test drives Debian's Chromium: installed here when missing (as root), never downloaded.
browser:
	tools/ensure_chromium.sh

test: lint browser
	$(BIN)/pytest -q

sandbox: $(STAMP)
	$(BIN)/council-bot sandbox

# Refresh the screenshots of the web chat used by docs/guides/.
screenshots: $(STAMP) browser
	SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q tests/test_webchat_browser.py
