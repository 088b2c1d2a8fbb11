# The two commands a new user needs (see README):
#   make site   set everything up and build the site into output/
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test test-tools lint clean

site: $(VENV)/.deps
	$(BIN)/python build.py

test: $(VENV)/.deps-test test-tools
	$(BIN)/ruff check frontline tests build.py
	$(BIN)/python -m pytest

# Browser, fonts, nginx and npm tools for the served/browser tests (not needed by `make site`).
test-tools:
	bash scripts/setup-test-tools.sh

lint: $(VENV)/.deps-test
	$(BIN)/ruff check frontline tests build.py
	$(BIN)/ruff format --check frontline tests build.py

$(VENV)/.deps: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.deps-test: pyproject.toml $(VENV)/.deps
	$(BIN)/pip install -q -e ".[test]"
	touch $@

clean:
	rm -rf output $(VENV) node_modules test-artifacts
