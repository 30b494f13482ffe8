# 规划指标监测 / Plan Indicator Tracker — the commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/plan_tracker

.DEFAULT_GOAL := help
.PHONY: help run setup data test lint test-sqlite test-postgres ensure-postgres ensure-redis ensure-pg-client ensure-chromium ensure-libreoffice ensure-wrk messages clean \
	bench-import bench-dashboard bench-load backup restore fuzz

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

setup: $(VENV)/.runtime ## create .venv and install the runtime requirements

data: setup ## migrate, load the five plans, the published figures, the demo actuals, the demo users and their imports under review (idempotent)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_plans
	$(BIN)/python manage.py load_published
	$(BIN)/python manage.py load_demo_actuals
	$(BIN)/python manage.py create_demo_users
	$(BIN)/python manage.py load_demo_reviews
	$(BIN)/python manage.py load_demo_revisions
	$(BIN)/python manage.py publish_evaluation --province --year 2025 --kind final --if-absent

run: data ## set up everything and serve the app on http://127.0.0.1:8000
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.dev ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python -m plans.fixture_schema
	$(BIN)/python manage.py makemigrations --check --dry-run

ensure-chromium: ## install Debian's chromium (and a CJK font for screenshots) if missing
	@command -v chromium >/dev/null && fc-list | grep -qi wqy || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei; }

ensure-libreoffice: ## install LibreOffice Writer (headless) if missing: a test opens the drafted report with it, as Word and WPS would
	@command -v soffice >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui; }

ensure-postgres: ## start the local PostgreSQL if it is down (CI=true: failing to reach it is an error)
	@bash scripts/ensure_postgres.sh

ensure-redis: ## start the local Redis if it is down, installing it if missing (CI=true: failing to reach it is an error)
	@bash scripts/ensure_redis.sh

ensure-wrk: ## install Debian's wrk (the HTTP load generator of make bench-load) if missing
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

ensure-pg-client: ## install Debian's postgresql-client (pg_dump, pg_restore, psql) if missing
	@command -v pg_dump >/dev/null && command -v pg_restore >/dev/null && command -v psql >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client; }

test-sqlite: $(VENV)/.dev ensure-chromium ensure-libreoffice ensure-redis
	DATABASE_URL=sqlite:///$(CURDIR)/.test.sqlite3 $(BIN)/pytest

test-postgres: $(VENV)/.dev ensure-chromium ensure-libreoffice ensure-postgres ensure-redis ensure-pg-client
	@if [ -f .postgres-unavailable ]; then echo "PostgreSQL unavailable: PostgreSQL run SKIPPED (CI=true would fail)"; \
	else DATABASE_URL=$(PG_URL) $(BIN)/pytest; fi

test: lint ensure-redis test-sqlite test-postgres ## lint, then the whole suite on SQLite and on PostgreSQL

bench-import: $(VENV)/.runtime ensure-postgres ## benchmark the spreadsheet importer (50 000 rows, SQLite + PostgreSQL) → bench/results/
	$(BIN)/python bench/import_bench.py $(BENCH_ARGS)

bench-dashboard: $(VENV)/.runtime ensure-postgres ## benchmark the dashboard pages (synthetic national data, SQLite + PostgreSQL) → bench/results/
	$(BIN)/python bench/dashboard_bench.py $(BENCH_ARGS)

fuzz: $(VENV)/.dev ## fuzz the importer's reading path with thousands of mutated real files (FUZZ_ARGS="--cases 3000") → bench/results/
	$(BIN)/python bench/fuzz_import.py $(FUZZ_ARGS)

bench-load: $(VENV)/.runtime ensure-postgres ensure-redis ensure-wrk ## gunicorn + wrk on the pages, uncached/cold/warm, two servers with an import mid-run → bench/results/
	$(BIN)/python bench/load_bench.py $(BENCH_ARGS)

# A PostgreSQL database is dumped and restored by its client tools; SQLite needs only Python.
PG_TOOLS = $(if $(filter postgres%,$(DATABASE_URL)),ensure-pg-client)

backup: $(VENV)/.runtime $(PG_TOOLS) ## back up the database (DATABASE_URL) and MEDIA_ROOT into BACKUP_DIR/<time>/ (default backups/)
	$(BIN)/python manage.py backup

restore: $(VENV)/.runtime $(PG_TOOLS) ## restore BACKUP=backups/<time> into the configured empty database and MEDIA_ROOT (FORCE=1 replaces)
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<time> [FORCE=1]" >&2; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)" $(if $(filter 1,$(FORCE)),--force)

messages: $(VENV)/.dev ## extract and compile the translations (needs GNU gettext)
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean: ## remove the virtualenv, the local database and caches
	rm -rf $(VENV) db.sqlite3 .test.sqlite3 .pytest_cache .mypy_cache .ruff_cache staticfiles .postgres-unavailable
