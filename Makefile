# fieldapp: `make run` (try it with demo data) and `make test` (everything CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export FLASK_DEBUG ?= 0

.PHONY: run install install-test translations test test-sqlite test-postgres lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .
	$(MAKE) translations

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(MAKE) translations
	./scripts/install-system-deps.sh

translations:
	$(BIN)/python -m fieldapp.translations_cli compile

## Install, create the SQLite database, load demo data and serve http://127.0.0.1:5000
run: install
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) demo
	FLASK_DEBUG=1 FIELDAPP_SESSION_COOKIE_SECURE=false $(FLASK) run --host 127.0.0.1 --port 5000

## Install what the tests need and run the whole suite on SQLite, then on PostgreSQL
test: install-test lint test-sqlite test-postgres

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m fieldapp.translations_cli check

# The whole suite on the embedded SQLite default (even when CI has exported a PostgreSQL URL).
test-sqlite:
	env -u FIELDAPP_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider

# PostgreSQL leg: the app's and sync engine's tests again, against a real server.
# Locally it is skipped (loudly) when no server can be started; in CI (CI=true) that fails.
test-postgres:
	@url="$${FIELDAPP_TEST_DATABASE_URL:-$$(./scripts/postgres-test-db.sh)}"; \
	if [ -z "$$url" ]; then \
	  if [ -n "$$CI" ]; then echo "PostgreSQL is required in CI and could not be started." >&2; exit 1; fi; \
	  echo "*** PostgreSQL leg SKIPPED: no server (see README, 'Running on PostgreSQL') ***"; exit 0; \
	fi; \
	FIELDAPP_TEST_DATABASE_URL="$$url" $(BIN)/pytest -q -p no:cacheprovider -m "not browser" tests/fieldapp tests/sync

bench:
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/pwa_budget.py

clean:
	rm -rf $(VENV) instance fieldapp/static/i18n
