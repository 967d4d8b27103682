# rulekit: every target sets up .venv on first use (only Python 3.11+ is needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RULEKIT := $(BIN)/rulekit
PYTEST := $(BIN)/python -m pytest

.PHONY: help venv demo test test-rules test-toolkit lint typecheck render clean

help:
	@echo "make demo        render the rules and show who gets MFA (offline)"
	@echo "make test        the whole suite: lint, types, toolkit and rule tests"
	@echo "make test-rules  only the rules' own tests (tests/rules/)"
	@echo "make render      render rules_src/ into build/"
	@echo "make clean       remove build/ and .venv/"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(RULEKIT) demo

render: $(STAMP)
	$(RULEKIT) render

test: $(STAMP) lint typecheck
	$(PYTEST) -q

test-rules: $(STAMP)
	$(PYTEST) -q tests/rules

test-toolkit: $(STAMP)
	$(PYTEST) -q tests/toolkit

lint: $(STAMP)
	$(BIN)/ruff check toolkit tests

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf build $(VENV)
