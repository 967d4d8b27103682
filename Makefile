# rulekit: every target sets up .venv on first use (only Python 3.11+ is needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RULEKIT := $(BIN)/rulekit
PYTEST := $(BIN)/python -m pytest

.PHONY: help venv demo test test-rules test-toolkit lint typecheck render clean plan preview deploy pulumi-cli fuzz bench

help:
	@echo "make demo        render the rules and show who gets MFA (offline)"
	@echo "make test        the whole suite: lint, types, toolkit and rule tests"
	@echo "make test-rules  only the rules' own tests (tests/rules/)"
	@echo "make fuzz        the property tests under the long 'fuzz' profile on every core"
	@echo "                 (FUZZ_EXAMPLES=N examples per round, FUZZ_SECONDS=S seconds per test)"
	@echo "make bench       the benchmark suite (1-2 minutes): table + build/bench.json"
	@echo "make render      render rules_src/ into build/"
	@echo "make plan        what pulumi up would deploy, offline (Pulumi mocks), and the gate's verdict"
	@echo "make preview     make test-rules, then pulumi preview (needs the Pulumi CLI and a stack)"
	@echo "make deploy      make test-rules, then pulumi up (deploys only attested artifacts)"
	@echo "make clean       remove build/ and .venv/"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@# esprima 4 (ES2017, before 2026-11-29) and esprima2 both install the module "esprima"
	@if $(BIN)/python -m pip show --quiet esprima >/dev/null 2>&1; then \
	  $(BIN)/python -m pip uninstall --quiet --disable-pip-version-check -y esprima esprima2; fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(RULEKIT) demo
	@echo; echo '== rulekit matrix: every declared user x client x protocol (HTML: build/report/index.html)'
	$(RULEKIT) matrix --html
	@echo; echo '== The rules'"'"' tests: a green run attests the rendered artifacts (build/attestation.json)'
	$(PYTEST) -q tests/rules --rulekit-cov-fail-under=$(RULEKIT_COV_MIN)
	@echo; echo '== rulekit plan: what pulumi up would deploy (offline, Pulumi mocks)'
	$(RULEKIT) plan

render: $(STAMP)
	$(RULEKIT) render

test: $(STAMP) lint typecheck
	$(PYTEST) -q

# Coverage of the rendered rules and Actions (template lines), failing under RULEKIT_COV_MIN %.
RULEKIT_COV_MIN ?= 100
test-rules: $(STAMP)
	$(PYTEST) -q tests/rules --rulekit-cov-fail-under=$(RULEKIT_COV_MIN)

# Speed against a bare V8 call and Node's vm, fuzzing, render, start-up, memory (README: Performance).
bench: $(STAMP)
	$(BIN)/python -m bench

test-toolkit: $(STAMP)
	$(PYTEST) -q tests/toolkit

# Failures found here are saved in .hypothesis/ and replayed first by the next make test-rules.
# The property tests run against the manifest's Rules, then its Actions (FUZZ_KINDS).
FUZZ_KINDS ?= rule action
fuzz: $(STAMP)
	@status=0; for kind in $(FUZZ_KINDS); do \
	  echo "== make fuzz: the property tests against the manifest's $${kind}s"; \
	  $(PYTEST) tests/rules -m hypothesis -n auto -v --hypothesis-profile=fuzz \
	    --hypothesis-show-statistics --rulekit-kind=$$kind \
	    $(if $(FUZZ_EXAMPLES),--rulekit-examples=$(FUZZ_EXAMPLES)) \
	    $(if $(FUZZ_SECONDS),--rulekit-fuzz-seconds=$(FUZZ_SECONDS)) || status=1; \
	done; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check toolkit tests infra bench

typecheck: $(STAMP)
	$(BIN)/mypy

plan: $(STAMP)
	$(RULEKIT) plan

PULUMI ?= pulumi
pulumi-cli:
	@command -v $(PULUMI) >/dev/null 2>&1 || { \
	  echo "make: the Pulumi CLI ('$(PULUMI)') is not installed or not on PATH." >&2; \
	  echo "      Install it (https://www.pulumi.com/docs/iac/download-install/), then see" >&2; \
	  echo "      README.md, 'Deploying to a real tenant'. Offline, 'make plan' shows the plan." >&2; \
	  exit 127; }

preview: pulumi-cli test-rules
	$(PULUMI) preview

deploy: pulumi-cli test-rules
	$(PULUMI) up

clean:
	rm -rf build $(VENV)
