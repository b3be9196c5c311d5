# The README's commands. CI (.ci/run) calls these same targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Development defaults: DEBUG on, SQLite and the filesystem broker under var/.
export DEBUG ?= 1

.PHONY: help install migrate seed run test test-browser lint format check-deploy clean

help:
	@echo "make run           the whole site with demo data on http://127.0.0.1:8000/"
	@echo "make test          lint, format check and the test suite"
	@echo "make test-browser  only the browser tests (Playwright on /usr/bin/chromium)"
	@echo "make check-deploy  Django's deployment checks with production settings"

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
	$(VENV)/bin/honcho -f Procfile.dev start

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
	ALLOWED_HOSTS=visits.example.org SITE_URL=https://visits.example.org \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var
