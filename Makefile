# Two commands matter: `make run` (set up and serve the demo portal) and `make test` (set up and run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_POSTGRES_URL ?= postgresql+psycopg://127.0.0.1:5432/test

.PHONY: run install install-test demo-data test test-sqlite test-postgres lint chromium bench i18n-compile i18n-check i18n-extract

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo-data: install
	$(BIN)/flask --app portal db upgrade
	$(BIN)/flask --app portal trials import --quiet portal/demo_trials
	$(BIN)/flask --app portal faqs seed

# Without a mail server configured, a local catcher keeps every email as an .eml file in instance/mail/.
MAIL_CATCHER_PORT ?= 8025

# Development only: one random key kept in instance/, so links in emails written by other processes (a
# `flask trials import` beside the server, a worker) verify in the server too. Production sets SECRET_KEY itself.
DEV_SECRET := instance/secret_key

$(DEV_SECRET): | $(BIN)/python
	@mkdir -p instance
	@umask 077; $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@

# Translations: portal/translations/<locale>/LC_MESSAGES/messages.po are kept in git; their .mo files are built here
# (and by the package build, setup.py), never committed.
i18n-compile: install
	$(BIN)/python -m portal.i18n_check compile

# Fails when a string the code marks (Python, templates, JavaScript) is missing from a catalogue, fuzzy or empty,
# or a template shows text not marked for translation.
i18n-check: install
	$(BIN)/python -m portal.i18n_check check

# The template for `pybabel update -i portal/translations/messages.pot -d portal/translations`.
i18n-extract: install
	$(BIN)/python -m portal.i18n_check extract

run: demo-data i18n-compile $(DEV_SECRET)
	@echo "The portal runs at http://$(HOST):$(PORT) (Ctrl+C stops it)."
	@if [ -z "$$MAIL_SERVER" ]; then echo "Emails are kept as .eml files in instance/mail/."; fi
	@if [ -z "$$SECRET_KEY" ]; then echo "For flask commands beside it: export SECRET_KEY=\$$(cat $(DEV_SECRET))"; fi
	@if [ -z "$$SECRET_KEY" ]; then export SECRET_KEY="$$(cat $(DEV_SECRET))"; fi; \
	if [ -z "$$MAIL_SERVER" ]; then \
		$(BIN)/flask --app portal mail-catcher --port $(MAIL_CATCHER_PORT) & catcher=$$!; \
		trap 'kill $$catcher 2>/dev/null' EXIT INT TERM; \
		export MAIL_SERVER=127.0.0.1 MAIL_PORT=$(MAIL_CATCHER_PORT); \
	fi; \
	export PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}"; \
	$(BIN)/flask --app portal run --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests; test tools may not download a browser of their own.
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian) and try again." >&2; exit 1; \
	fi

lint: install-test
	$(BIN)/ruff check portal tests bench migrations wsgi.py setup.py
	$(BIN)/lint-imports
	$(BIN)/python -m portal.i18n_check check

test-sqlite: install-test chromium i18n-compile
	$(BIN)/pytest

test-postgres: install-test chromium i18n-compile
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest

# Both suites at once, each with its own Redis database number: much of a suite waits on browsers, worker processes
# and sockets, so on 2 CPUs the two together take about 11 minutes against 17 one after the other. Each suite's
# output is shown whole when both have finished.
test: lint install-test chromium i18n-compile
	@logs=$$(mktemp -d); \
	echo "Running the suite on SQLite and on PostgreSQL ($(TEST_POSTGRES_URL)) side by side"; \
	TEST_REDIS_URL=redis://127.0.0.1:6379/14 $(BIN)/pytest -q > $$logs/sqlite.log 2>&1 & sqlite=$$!; \
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) TEST_REDIS_URL=redis://127.0.0.1:6379/15 $(BIN)/pytest -q \
		> $$logs/postgres.log 2>&1 & postgres=$$!; \
	wait $$sqlite; sqlite_status=$$?; wait $$postgres; postgres_status=$$?; \
	echo "===== SQLite (exit $$sqlite_status)"; cat $$logs/sqlite.log; \
	echo "===== PostgreSQL (exit $$postgres_status)"; cat $$logs/postgres.log; \
	rm -rf $$logs; test $$sqlite_status -eq 0 && test $$postgres_status -eq 0

bench: install-test
	$(BIN)/python bench/import_speed.py
	$(BIN)/python bench/page_throughput.py
