# Rectify. The two commands: `make run` (serve the demo) and `make test` (the whole suite).
#
# run   installs what is missing (.venv, requirements.txt, the runtime Debian packages when root),
#       compiles translations, migrates, loads the demo data and serves http://127.0.0.1:8000/ with
#       the embedded defaults (SQLite, jobs without Redis) unless DATABASE_URL / REDIS_URL are set.
# test  installs what is missing (.venv, requirements-dev.txt, the test Debian packages when root, or
#       stops at once with the apt-get command to run), then runs every test with config.settings.test
#       on PostgreSQL and Redis when they answer (DATABASE_URL, REDIS_URL); without PostgreSQL it falls
#       back to SQLite, loudly, unless CI=true.
# The Debian packages of each set: .ci/system-packages.sh (also used by .ci/run).

SHELL := /bin/bash
# The virtualenv's interpreter: the distribution's python3.11 when it has venv (Debian and Ubuntu
# build theirs with PGO and LTO: about a quarter faster on bench/ingest.py than a plain source build
# such as pyenv's), else python3.11 on PATH. Override: make PYTHON=python3.12 ...
PYTHON ?= $(or $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null && echo /usr/bin/python3.11),python3.11)
VENV := .venv
PY := $(VENV)/bin/python
# Each requirements file is installed again whenever it is newer than its stamp.
STAMP := $(VENV)/.requirements-installed
DEV_STAMP := $(VENV)/.requirements-dev-installed
SYSTEM_PACKAGES := bash .ci/system-packages.sh
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments: make test ARGS="-k clock -x"
ARGS ?=
# The benchmarks `make bench` runs, in order (bench/README.md): make bench BENCH_SCRIPTS=bench/render.py
BENCH_SCRIPTS ?= bench/render.py bench/ingest.py
RUN_SETTINGS := config.settings.local
DEMO_LOGINS := admin, inspector, reviewer, vendor_a, vendor_b

.DEFAULT_GOAL := help
.PHONY: help run test lint bench bench-load drills deps dev-deps system-packages test-system-packages messages schema

help:
	@echo "make run    install what is missing, migrate, load the demo and serve http://$(HOST):$(PORT)/"
	@echo "make test   install what the tests need (or say what to install), run the whole suite (PostgreSQL + Redis when they answer; CI=true demands them)"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  run the benchmarks ($(BENCH_SCRIPTS))"
	@echo "make bench-load  seed the scale database if missing (SCALE_DB), then the load benchmark (bench/api_load.py)"
	@echo "make drills kill, restart, flush and fill a private deployment (PostgreSQL, Redis, gunicorn, worker, beat); root; table in bench/out/drills.md"

run: system-packages deps messages
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py load_demo
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py load_demo_notices
	@echo
	@echo "Rectify: http://$(HOST):$(PORT)/   (demo logins above: $(DEMO_LOGINS))"
	@echo "Public register (no login): http://$(HOST):$(PORT)/register/   Django admin: http://$(HOST):$(PORT)/admin/   Stop with Ctrl-C."
	@echo
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py runserver $(HOST):$(PORT)

test: test-system-packages dev-deps messages
	$(PY) .ci/with_services.py $(PY) -m pytest -p no:cacheprovider --create-db $(ARGS)

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py makemigrations --check --dry-run

bench: system-packages dev-deps messages
	@mkdir -p bench/out
	@for script in $(BENCH_SCRIPTS); do \
		echo "== $$script"; \
		PYTHONPATH=. $(PY) .ci/with_services.py $(PY) $$script || exit 1; \
	done

# The load benchmark (bench/README.md, issue 14), two steps: (1) a database of its own, migrated, with
# the demo and the scale data (manage.py seed_scale: a few minutes; skipped when SCALE_DB exists),
# (2) bench/api_load.py against it and a demo-only database. BENCH_ARGS: e.g. --only 'api cases'.
SCALE_DB ?= postgres://postgres@127.0.0.1:5432/rectify_scale
SCALE ?= 1.0
BENCH_ARGS ?=
bench-load: dev-deps messages
	@mkdir -p bench/out
	@if psql "$(SCALE_DB)" -c 'SELECT 1 FROM cases_case LIMIT 1' >/dev/null 2>&1; then \
		echo "== $(SCALE_DB) exists: not seeded again"; \
	else \
		echo "== seeding $(SCALE_DB) at scale $(SCALE)"; \
		createdb "$$(basename $(SCALE_DB))" -h 127.0.0.1 -U postgres 2>/dev/null; \
		DATABASE_URL=$(SCALE_DB) DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py migrate --noinput -v0 && \
		DATABASE_URL=$(SCALE_DB) DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py load_demo >/dev/null && \
		DATABASE_URL=$(SCALE_DB) DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py seed_scale --scale $(SCALE) || exit 1; \
	fi
	PYTHONPATH=. $(PY) bench/api_load.py --scale-db $(SCALE_DB) $(BENCH_ARGS)
# The drills (bench/drills.py, bench/README.md): a private PostgreSQL 15, Redis, gunicorn, worker and
# beat under faults; needs root. Options: make drills DRILLS="--only storage-full --keep"
DRILLS ?=
drills: dev-deps messages
	@$(SYSTEM_PACKAGES) run postgresql-15 redis-server
	@mkdir -p bench/out
	$(PY) bench/drills.py $(DRILLS)

# The virtual environment with the runtime requirements (make run), or with the runtime and the test
# and development tools (make test, lint, bench: requirements-dev.txt includes requirements.txt).
deps: $(STAMP)
dev-deps: $(DEV_STAMP)

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Rectify needs $(PYTHON) (Django 5.2 LTS); install it or run: make PYTHON=python3.12 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# requirements-dev.txt holds requirements.txt: the runtime stamp is fresh too afterwards.
$(DEV_STAMP): requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(STAMP)

# The Debian packages (.ci/system-packages.sh), checked with dpkg-query and installed with apt-get
# when root. Not root: `make run` warns with the apt-get command, `make test` stops with it.
system-packages:
	@$(SYSTEM_PACKAGES) run

test-system-packages:
	@$(SYSTEM_PACKAGES) test

# Compile the translation catalogues (.mo files are build output, not committed).
messages: deps
	@if command -v msgfmt >/dev/null; then \
		DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --verbosity 0; \
	else \
		echo "!! gettext's msgfmt is missing: translations not compiled (apt-get install gettext)" >&2; \
	fi

# Regenerate the committed OpenAPI schema (tests/test_schema.py fails when it drifts).
schema: deps
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --lang en --file openapi.yaml --validate
