# The commands people type. Only python3 and make are assumed; everything else is installed here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS := .tools
UV_VERSION := 0.13.8
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: help install run test check lint typecheck unit services-up services-down bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

tools/federation/node_modules/.installed: tools/federation/package-lock.json
	npm ci --prefix tools/federation --silent --no-audit --no-fund
	@touch $@

install: $(VENV)/.synced tools/federation/node_modules/.installed ## install Python and npm dependencies (locked)

run: install ## the demo: migrate + seed SQLite, start simulators, serve http://127.0.0.1:8000/graphql
	$(VENV)/bin/citizen-space demo

lint: install ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install ## mypy (strict on our packages)
	$(VENV)/bin/mypy

check: lint typecheck ## lint and type-check

schema.graphql: install
	$(VENV)/bin/citizen-space export-schema

unit: install ## the pytest suite only
	$(PY) -m pytest

services-up: ## start PostgreSQL, Redis and Elasticsearch on loopback (installs them if needed)
	bash scripts/services.sh up

services-down: ## stop them (the Elasticsearch download stays cached)
	bash scripts/services.sh down

test: check services-up unit ## everything CI runs: lint, types, real services, the whole suite (embedded and real)

bench/peer/node_modules/.installed: bench/peer/package-lock.json
	npm ci --prefix bench/peer --silent --no-audit --no-fund
	@touch $@

bench: install bench/peer/node_modules/.installed ## benchmarks: our gateway vs the floor and vs Hive Gateway (BENCH_ARGS=--quick for ~1 min)
	$(PY) bench/run_all.py $(BENCH_ARGS)

clean: ## remove the demo state and caches
	rm -rf .demo .pytest_cache .mypy_cache .ruff_cache
