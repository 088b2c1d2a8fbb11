# The two commands a new user needs (see README):
#   make site   set everything up and build the site into output/
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test test-tools lint bench clean

site: $(VENV)/.deps
	$(BIN)/python build.py

test: $(VENV)/.deps-test test-tools
	$(BIN)/ruff check frontline tests build.py bench
	$(BIN)/python -m pytest

# Browser, fonts, nginx and npm tools for the served/browser tests (not needed by `make site`).
test-tools:
	bash scripts/setup-test-tools.sh

lint: $(VENV)/.deps-test
	$(BIN)/ruff check frontline tests build.py bench
	$(BIN)/ruff format --check frontline tests build.py bench

# Frontline against Hugo and Pelican (installed into bench/.venv, not the site's venv).
# Heavy: minutes of both cores. Pass e.g. BENCH_ARGS="--sizes 10000 --repeats 3".
bench: $(VENV)/.deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)

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
