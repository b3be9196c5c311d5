# The README's commands. CI (.ci/run) calls these same targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Development defaults: DEBUG on, SQLite and the filesystem broker under var/.
export DEBUG ?= 1

.PHONY: help install migrate seed run janus test test-browser lint format check-deploy clean

help:
	@echo "make run           the whole site with demo data on http://127.0.0.1:8000/"
	@echo "make test          lint, format check and the test suite"
	@echo "make test-browser  only the browser tests (Playwright on /usr/bin/chromium)"
	@echo "make check-deploy  Django's deployment checks with production settings"
	@echo "make janus         only the media server (Janus) with the project's configuration"

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@if [ -d locale ]; then $(PY) manage.py compilemessages --ignore=.venv -v0 \
	  || echo "Translations not compiled (GNU gettext missing?): pages show in English."; fi
	@echo "Starting the site on http://127.0.0.1:8000/ with a Celery worker and Celery beat."
	@echo "Emails are printed below and saved in var/mail/. Stop with Ctrl-C."
	@$(VENV)/bin/honcho -f Procfile.dev start web worker beat $$($(JANUS_PROCESS))

# Janus (video visits) runs beside the site when it is installed; `make run` installs it when
# it can (root or passwordless sudo with apt), otherwise it says how in one line and the
# rest runs without it (the join page then says video is not set up).
JANUS_PROCESS = \
	if ! command -v janus >/dev/null 2>&1 && { [ "$$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }; then \
	  echo "Installing Janus (Debian's janus package) for video visits..." >&2; \
	  as_root() { if [ "$$(id -u)" -eq 0 ]; then "$$@"; else sudo -n "$$@"; fi; }; \
	  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends janus </dev/null >&2 \
	  || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive \
	       apt-get install -y -q --no-install-recommends janus </dev/null >&2; } || true; \
	fi; \
	if command -v janus >/dev/null 2>&1; then echo janus; \
	else echo "Janus is not installed, so video visits cannot start: sudo apt-get install janus, then make run again." >&2; fi

# Renders the project's Janus configuration (var/janus/, from the settings) and starts Janus.
janus: install
	$(PY) manage.py janus_run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) -m pytest

test-browser: install
	$(PY) -m pytest -m browser

check-deploy: install
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DOCUMENT_KEYS=$$($(PY) -c 'from visitation.encryption import key_new; print(key_new("check"))') \
	ALLOWED_HOSTS=visits.example.org SITE_URL=https://visits.example.org \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var

.PHONY: run-prod test-faults test-nodes

# Two web nodes with no shared disk (visitation/tests/test_nodes.py): two gunicorns in
# folders of their own and a Celery worker, on PostgreSQL, Redis and an S3 bucket (moto's
# server, started by the test). Needs PostgreSQL and Redis on this machine; about a minute.
test-nodes: install
	RUN_NODE_TESTS=1 DEBUG=1 $(PY) -m pytest visitation/tests/test_nodes.py -v -p no:cacheprovider

# The production stack on this machine: gunicorn, a Celery worker and beat (Procfile) on
# PostgreSQL and Redis, DEBUG off, static files from whitenoise. This machine speaks plain
# http on 127.0.0.1, so the HTTPS redirect, secure cookies and HSTS are turned off here;
# behind a TLS load balancer leave them on. Without SECRET_KEY, one is kept in
# var/prod-secret-key; without DOCUMENT_KEYS, one in var/prod-document-keys. Email is
# written to var/mail/ unless EMAIL_BACKEND says otherwise.
run-prod: install
	@set -e; \
	export DEBUG=0 \
	  DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/visitation}" \
	  CELERY_BROKER_URL="$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}" \
	  PORT="$${PORT:-8000}" WEB_BIND="$${WEB_BIND:-127.0.0.1}" \
	  SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 \
	  SECURE_HSTS_SECONDS=0 SECURE_HSTS_PRELOAD=0 \
	  EMAIL_BACKEND="$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}"; \
	export SITE_URL="$${SITE_URL:-http://127.0.0.1:$$PORT}"; \
	if [ -z "$${SECRET_KEY:-}" ]; then \
	  mkdir -p var; \
	  if [ ! -s var/prod-secret-key ]; then \
	    (umask 077; $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/prod-secret-key); \
	  fi; \
	  export SECRET_KEY="$$(cat var/prod-secret-key)"; \
	  echo "SECRET_KEY is not set: using the one kept in var/prod-secret-key."; \
	fi; \
	if [ -z "$${DOCUMENT_KEYS:-}" ]; then \
	  mkdir -p var; \
	  if [ ! -s var/prod-document-keys ]; then \
	    (umask 077; $(PY) -c 'from visitation.encryption import key_new; print(key_new("local-1"))' > var/prod-document-keys); \
	  fi; \
	  export DOCUMENT_KEYS="$$(cat var/prod-document-keys)"; \
	  echo "DOCUMENT_KEYS is not set: using the one kept in var/prod-document-keys."; \
	fi; \
	psql "$$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1 || { \
	  echo "Creating the database $${DATABASE_URL##*/}."; \
	  createdb --maintenance-db="$${DATABASE_URL%/*}/postgres" "$${DATABASE_URL##*/}"; }; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true; \
	$(PY) manage.py collectstatic --noinput -v0; \
	echo "Plain http on $$SITE_URL: HTTPS redirect and secure cookies are off for this run."; \
	echo "Email goes to files in var/mail/ unless EMAIL_BACKEND (and EMAIL_HOST...) are set."; \
	echo "Starting web, worker and beat. Check $$SITE_URL/healthz. Stop with Ctrl-C."; \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" exec $(VENV)/bin/honcho -e /dev/null -f Procfile start \
	  web worker beat $$($(JANUS_PROCESS))

# Stops Redis, kills a worker, restarts PostgreSQL (this machine's services; both are
# started again at the end). Slow: a few minutes. CI runs it after the test suite.
test-faults: install
	.ci/faults

.PHONY: bench

# The scheduling benchmark (issue 4, the bench app) on a throw-away PostgreSQL database,
# dropped at the end: seed_load's large made-up dataset, then bench_scheduling (figures for the
# 200-terminal facility; it starts its own gunicorn), bench_board (the visit board of a day
# with 200 visits on 30 terminals) and bench_roster. Needs PostgreSQL and
# Redis on this machine; takes a few minutes. BENCH_DB and BENCH_SERVER name the database.
BENCH_DB ?= visitation_bench
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
bench: install
	@set -e; \
	export DEBUG=1 BENCH=1 DATABASE_URL="$(BENCH_SERVER)/$(BENCH_DB)"; \
	dropdb --if-exists --force --maintenance-db="$(BENCH_SERVER)/postgres" $(BENCH_DB); \
	createdb --maintenance-db="$(BENCH_SERVER)/postgres" $(BENCH_DB); \
	trap 'dropdb --if-exists --force --maintenance-db="$(BENCH_SERVER)/postgres" $(BENCH_DB)' EXIT; \
	$(PY) manage.py migrate --noinput -v0; \
	$(PY) manage.py seed_load; \
	$(PY) manage.py bench_scheduling; \
	$(PY) manage.py bench_board; \
	if $(PY) manage.py help bench_roster >/dev/null 2>&1; then $(PY) manage.py bench_roster; fi; \
	if command -v janus >/dev/null 2>&1; then $(PY) manage.py bench_video; \
	else echo "bench_video skipped: Janus is not installed (sudo apt-get install janus)."; fi
