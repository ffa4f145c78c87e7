# fieldapp: `make run` (try it with demo data) and `make test` (everything CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
FLASK := $(BIN)/flask --app wsgi
export FLASK_DEBUG ?= 0
# The tool that writes the lock files (`make lock`); installs never need it.
UV_VERSION := 0.13.8
# `make lock` upgrades everything; `make lock UPGRADE=` only adds what pyproject.toml
# gained (a new dependency) and keeps every other locked version.
UPGRADE ?= --upgrade
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes $(UPGRADE) --custom-compile-command "make lock"

.PHONY: run install install-test translations test test-sqlite test-postgres lint bench bench-lighthouse \
	lock probe clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs take exactly the locked versions, hashes checked (requirements/*.txt, written
# by `make lock`): a new release of anything cannot change what runs here or in CI.
# The build tools come first so that fieldapp and any source-only package build with
# the locked setuptools and Babel, not whatever is newest (--no-build-isolation).
install: $(BIN)/python
	$(PIP) install -q --require-hashes -r requirements/build.txt
	$(PIP) install -q --require-hashes --no-build-isolation -r requirements/app.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .
	$(MAKE) translations

install-test: $(BIN)/python
	$(PIP) install -q --require-hashes -r requirements/build.txt
	$(PIP) install -q --require-hashes --no-build-isolation -r requirements/test.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .
	$(MAKE) translations
	./scripts/install-system-deps.sh

# Compiles the catalogs as they are (untranslated entries show the English);
# completeness is checked by `make lint`, in `make test` and CI.
translations:
	$(BIN)/python -m fieldapp.translations_cli compile

## Upgrade every locked version to the newest that pyproject.toml allows. Run it on
## purpose, run `make test`, and commit the lock files in a commit of their own.
lock: $(BIN)/python
	$(PIP) install -q uv==$(UV_VERSION)
	$(LOCK) pyproject.toml requirements/build.in --extra test -o requirements/test.txt
	@# The smaller locks take the test lock's versions: what runs is what CI tested.
	$(LOCK) pyproject.toml requirements/build.in -c requirements/test.txt \
		-o requirements/app.txt
	$(LOCK) requirements/build.in -c requirements/test.txt -o requirements/build.txt

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
# The tests that need no browser run on every core (pytest-xdist, one file per worker at
# a time); the browser tests then run one at a time, as their timings expect.
WORKERS ?= auto
PARALLEL := -n $(WORKERS) --dist loadfile
test-sqlite:
	env -u FIELDAPP_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider $(PARALLEL) -m "not browser"
	env -u FIELDAPP_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider -m browser

# PostgreSQL leg: the app's and sync engine's tests again, against a real server.
# Locally it is skipped (loudly) when no server can be started; in CI (CI=true) that fails.
test-postgres:
	@url="$${FIELDAPP_TEST_DATABASE_URL:-$$(./scripts/postgres-test-db.sh)}"; \
	if [ -z "$$url" ]; then \
	  if [ -n "$$CI" ]; then echo "PostgreSQL is required in CI and could not be started." >&2; exit 1; fi; \
	  echo "*** PostgreSQL leg SKIPPED: no server (see README, 'Running on PostgreSQL') ***"; exit 0; \
	fi; \
	FIELDAPP_TEST_DATABASE_URL="$$url" $(BIN)/pytest -q -p no:cacheprovider $(PARALLEL) -m "not browser" \
	  tests/fieldapp tests/sync

## The API probe, longer than in the suite: schemathesis on every operation of the
## OpenAPI document, valid and invalid requests, signed in (EXAMPLES per operation and
## mode), on SQLite and then on PostgreSQL when one can be started.
probe:
	FIELDAPP_PROBE_EXAMPLES=$${EXAMPLES:-500} env -u FIELDAPP_TEST_DATABASE_URL \
	  $(BIN)/pytest -q -p no:cacheprovider tests/fieldapp/test_api_probe.py
	@url="$${FIELDAPP_TEST_DATABASE_URL:-$$(./scripts/postgres-test-db.sh)}"; \
	if [ -n "$$url" ]; then FIELDAPP_PROBE_EXAMPLES=$${EXAMPLES:-500} \
	  FIELDAPP_TEST_DATABASE_URL="$$url" $(BIN)/pytest -q -p no:cacheprovider \
	  tests/fieldapp/test_api_probe.py; fi

bench:
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/pwa_budget.py

# Lighthouse (npm, pinned in bench/lighthouse/package.json): score and CLS of three pages.
bench-lighthouse:
	npm ci --prefix bench/lighthouse --no-audit --no-fund
	$(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) instance fieldapp/static/i18n
