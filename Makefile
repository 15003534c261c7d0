# MWork — two commands do all the set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DATA ?= 1
PYTEST_ARGS ?=
# make test runs on every core (pytest-xdist; each worker has its own test database, Redis
# database and media folder: mwork/test_settings.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
# make bench: local PostgreSQL/Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; see bench/run.py)
BENCH_SCALE ?= 1
BENCH_ARGS ?=

# make run raises the login/register limit (5/m in production) for exploring by hand.
RUN_RATELIMIT_AUTH ?= 60/m
RUNSERVER_ARGS ?=
# Local state (SQLite, media, mail, exports); the README test points it at a fresh directory.
export MWORK_VAR_DIR ?= $(CURDIR)/var
# Trust daily limits (docs/SAFETY.md) for `make run`: off for local exploration; 1 turns them on.
RUN_TRUST_LIMITS ?= 0

.DEFAULT_GOAL := help
.PHONY: help run test lint typecheck fmt ci migrate demo venv lock clean bench soak messages readme-check

help:  ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed 's/:[^#]*## /\t/' | awk -F'\t' '{printf "  make %-13s %s\n", $$1, $$2}'

venv: $(VENV)/.installed

# uv installs the pinned set in seconds (pip takes about a minute here).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv
	@$(BIN)/uv pip install -q --python $(BIN)/python -r requirements-dev.txt
	@touch $@

run: venv  ## migrate, load demo data, serve API + WebSockets + admin on HOST:PORT (embedded defaults)
	@mkdir -p "$(MWORK_VAR_DIR)"
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -v0
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	@if [ "$(DEMO_DATA)" != "0" ]; then DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo_data; fi
	@printf '\n  MWork on http://$(HOST):$(PORT) (embedded defaults unless DATABASE_URL/REDIS_URL are set; e-mail in var/mail/)\n'
	@printf '  API docs   http://$(HOST):$(PORT)/api/v1/docs\n'
	@printf '  health     http://$(HOST):$(PORT)/api/v1/health\n'
	@printf '  admin      http://$(HOST):$(PORT)/admin/\n'
	@printf '  WebSocket  ws://$(HOST):$(PORT)/ws?token=<access token>\n'
	@printf '  login/register limit raised to $(RUN_RATELIMIT_AUTH) for local exploration (RATELIMIT_AUTH)\n'
	@if [ "$(RUN_TRUST_LIMITS)" = "0" ]; then printf '  trust daily limits OFF for local exploration (TRUST_LIMITS_ENABLED=0; make run RUN_TRUST_LIMITS=1 turns them on)\n'; else printf '  trust daily limits ON (TRUST_LIMITS_ENABLED=1: new accounts get e.g. 1 casting, 3 chat rooms a day)\n'; fi
	@printf '  next: the README walkthroughs; make help lists the other targets\n\n'
	@echo "http://$(HOST):$(PORT)" > "$(MWORK_VAR_DIR)/run-address"  # read by manage.py chat_demo
	DJANGO_DEBUG=1 RATELIMIT_AUTH=$(RUN_RATELIMIT_AUTH) TRUST_LIMITS_ENABLED=$(RUN_TRUST_LIMITS) API_PUBLIC_URL=$${API_PUBLIC_URL:-http://$(HOST):$(PORT)} \
		$(BIN)/python manage.py runserver $(RUNSERVER_ARGS) $(HOST):$(PORT)

readme-check: venv  ## serve a fresh make run on a free port and run every shell block of README.md
	$(BIN)/python .ci/readme_check.py

test: venv  ## the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

.PHONY: schema sdk
schema: venv  ## regenerate docs/openapi.json (a test fails when it is stale)
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --lang en --format openapi-json --validate --fail-on-warn --file docs/openapi.json

SDK_OUT ?= var/sdk/python
sdk: venv  ## a Python SDK from docs/openapi.json into SDK_OUT (README "Clients")
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate --path docs/openapi.json \
		--config docs/openapi-python-client.yaml --output-path $(SDK_OUT) --overwrite

.PHONY: fuzz
fuzz: venv  ## long fuzz profile: schemathesis over every operation, image/Robokassa/Unicode fuzzers
	MWORK_FUZZ_PROFILE=long $(BIN)/pytest mwork/tests/fuzz mwork/tests/security --timeout 3600 $(PYTEST_ARGS)

.PHONY: audit
audit: venv  ## pip-audit over requirements*.txt (says NOT AUDITED where its service is unreachable)
	$(BIN)/python .ci/pip_audit.py

bench: venv  ## seed (scale BENCH_SCALE), load every serving setup, write bench/results + docs/PERFORMANCE.md
	$(BIN)/python -m bench.run --scale $(BENCH_SCALE) $(BENCH_ARGS)

# The catalogues: every gettext string of the code into locale/{ru,kk,en}/LC_MESSAGES/django.po,
# translations kept, sorted, no locations (needs GNU gettext: apt-get install gettext); then
# translate the empty msgstr "" entries and compile (pure Python, no gettext). docs/i18n.md
messages: venv  ## extract new strings into locale/*/django.po (keeps translations), compile .mo
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages --all
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages
	@$(BIN)/python -c 'import glob, polib; [print(p, "-", len(polib.pofile(p).untranslated_entries()) + len(polib.pofile(p).fuzzy_entries()), "to translate") for p in sorted(glob.glob("locale/*/LC_MESSAGES/django.po"))]'

lint: venv  ## ruff, format check, import contracts (.importlinter), migrations check, typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory typecheck

# Settings in pyproject.toml [tool.mypy]; the cache lives in var/mypy (docs/TYPING.md).
typecheck: venv  ## mypy + django-stubs: strict on services/selectors, lenient elsewhere
	DJANGO_DEBUG=1 $(BIN)/mypy

fmt: venv  ## ruff --fix and ruff format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: venv  ## apply migrations (embedded defaults unless DATABASE_URL)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: venv  ## load the demo data
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo_data

ci:  ## what CI runs on a clean clone (.ci/run)
	bash .ci/run

lock:  ## re-pin requirements*.txt from requirements*.in
	$(BIN)/uv pip compile -q --python-version 3.11 requirements.in -o requirements.txt
	$(BIN)/uv pip compile -q --python-version 3.11 requirements-dev.in -o requirements-dev.txt

clean:  ## remove the virtualenv and var/
	rm -rf $(VENV) "$(MWORK_VAR_DIR)"

# make soak: 10 minutes of mixed HTTP + 500 WebSockets against daphne + a Celery worker, on
# DATABASE_URL (PostgreSQL, its own database) and a private redis-server; writes
# bench/results/soak-<stamp>.{json,png,md}; exits non-zero on any error or growth (bench/soak.py).
SOAK_ARGS ?=
soak: venv  ## 10-minute mixed HTTP + WebSocket soak (see the comment above)
	$(BIN)/python -m bench.soak $(SOAK_ARGS)
