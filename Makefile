# Weft developer entry points. A fresh machine needs python3.11, Node.js 18+ (npm), pip and make.
#
#   make help    this list
#   make run     install (npm ci too when package-lock.json changed), migrate, demo workspace, web + worker + beat
#   make test    the whole test suite (SQLite unless DATABASE_URL is set; npm ci first when needed)
#   make test-browser  the browser tests (tests/e2e: Playwright, /usr/bin/chromium; screenshots in var/screenshots)
#   make lint    ruff, the import contracts between apps and the missing-migrations check
#   make bench   every bench/*.py script (bench/_*.py are their helpers)
#   make clean   remove the virtualenv, caches, test databases and collected static files
#                (var/weft.sqlite3, var/media and var/broker, your data and queued tasks, are kept)

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Prefer an explicit python3.11: the project requires it, and python3 may be newer.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
export PORT

# The stamp is named after pyproject.toml's content, so `make venv` reinstalls only
# when the dependencies change (not when git merely touches the file).
PYPROJECT_HASH := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('pyproject.toml', 'rb').read()).hexdigest()[:16])")
STAMP := $(VENV)/.weft-installed-$(PYPROJECT_HASH)

# The browser libraries (package-lock.json) are installed again only when the lock file changes.
LOCK_HASH := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('package-lock.json', 'rb').read()).hexdigest()[:16])")
NPM_STAMP := node_modules/.weft-installed-$(LOCK_HASH)

.PHONY: help venv npm key run test test-browser lint bench clean

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

venv: $(STAMP)

npm: $(NPM_STAMP)

$(NPM_STAMP):
	@command -v npm >/dev/null || { echo "Node.js 18+ (npm) is needed for the browser libraries" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.weft-installed-*
	@touch $@

$(STAMP):
	@test -n "$(PYTHON)" || { echo "python3.11 (or python3) is needed to create $(VENV)" >&2; exit 1; }
	@$(BIN)/python -c "" 2>/dev/null || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --no-input --upgrade pip
	$(BIN)/python -m pip install --quiet --no-input -e '.[dev]'
	@rm -f $(VENV)/.weft-installed-*
	@touch $@

# The installation's own SECRET_KEY (unless the environment gives one), written once and kept with the data.
KEY_FILE := $${WEFT_VAR_DIR:-var}/secret_key
key:
	@test -n "$$SECRET_KEY" || test -s "$(KEY_FILE)" || { mkdir -p "$$(dirname "$(KEY_FILE)")" && umask 077 && \
		$(or $(wildcard $(BIN)/python),$(PYTHON)) -c "import secrets; print(secrets.token_urlsafe(50))" > "$(KEY_FILE)" && \
		echo "wrote a new SECRET_KEY to $(KEY_FILE) (keep it with the data: it encrypts stored secrets)"; }

# The demo runs with DEBUG on (plain HTTP, detailed errors); production leaves DEBUG unset.
run: export DEBUG = true
run: venv npm key
	@echo "make run: DEBUG=true for this demo (detailed error pages, no HTTPS); never expose it"
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap
	exec $(BIN)/python manage.py serve --port $(PORT)

# Each run gets its own var folder: test databases and the file broker's queue never
# mix with the development data or with another run's.
test: venv npm
	WEFT_VAR_DIR="$${WEFT_TEST_VAR_DIR:-$$(mktemp -d -t weft-test-XXXXXX)}" \
		$(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# In a run of their own: Playwright keeps an event loop running in its test process (see tests/e2e/conftest.py).
test-browser: venv npm
	WEFT_VAR_DIR="$${WEFT_TEST_VAR_DIR:-$$(mktemp -d -t weft-test-XXXXXX)}" \
		$(BIN)/pytest -q -p no:cacheprovider -m browser $(PYTEST_ARGS) tests/e2e

lint: venv key
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: venv key
	@set -e; found=0; \
	for script in bench/*.py; do \
		case "$$script" in bench/_*|*'*'*) continue;; esac; found=1; \
		echo "== $$script"; \
		DJANGO_SETTINGS_MODULE=apps.settings $(BIN)/python "$$script"; \
	done; \
	[ $$found = 1 ] || echo "no bench/*.py scripts"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .grimp_cache .hypothesis *.egg-info build dist
	rm -rf var/staticfiles var/test.sqlite3*
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
