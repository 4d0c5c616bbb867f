# The two commands of the README:
#   make demo   set everything up and serve the example site with demo content (SQLite)
#   make test   set everything up and run every check and test (SQLite, PostgreSQL, Chromium,
#               and the database tests again on each supported Wagtail line through tox)
# Both work on a fresh machine: they create .venv, install the Python packages and,
# for the tests, the system packages (PostgreSQL, Chromium, gettext).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# axe-core for the browser tests' accessibility checks, pinned in package-lock.json.
NODE_STAMP := node_modules/.installed-stamp
MANAGE := cd example_site && ../$(PY) manage.py
PYTEST_ARGS ?=
# Two workers for the database tests (pytest-xdist); the browser tests run serially.
XDIST ?= -n 2
# The Wagtail lines of the version matrix (tox.ini), run side by side.
MATRIX ?= wagtail74,wagtail80
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install system-deps demo serve serve-prod test lint check-migrations \
        test-sqlite test-postgres test-browser test-matrix typecheck node-deps messages bench bench-postgres clean

help:
	@echo "make demo   - set up and serve the example site on http://$(HOST):$(PORT)"
	@echo "make test   - set up and run ruff, migration checks and every test"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e . --group dev
	touch $(STAMP)

install: $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

system-deps:
	bash scripts/system-deps.sh

demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo --create-admin
	@echo "Serving the example site on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	$(MANAGE) runserver $(HOST):$(PORT)

serve: install
	$(MANAGE) runserver $(HOST):$(PORT)

# The production stack on loopback: PostgreSQL, Redis, task worker, gunicorn x4.
serve-prod: install
	PORT=$(PORT) bash scripts/serve-prod.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright --level error

# pyright: basic on the package, strict on the pure arithmetic modules
# (configured in pyproject.toml, [tool.pyright]); this also lists the warnings
# that `make lint` leaves out.
typecheck: install
	$(BIN)/pyright

check-migrations: install
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run --noinput

test-sqlite: install
	$(BIN)/pytest -m "not browser" $(XDIST) $(PYTEST_ARGS)

test-postgres: install system-deps
	bash scripts/with-postgres.sh $(BIN)/pytest -m "not browser" -p no:cacheprovider $(XDIST) $(PYTEST_ARGS)

test-browser: install system-deps $(NODE_STAMP)
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# The database tests on each supported Wagtail line (tox.ini), in parallel.
test-matrix: install
	$(BIN)/tox run-parallel --parallel-no-spinner -e $(MATRIX) -- $(PYTEST_ARGS)

test: install system-deps $(NODE_STAMP) lint check-migrations test-sqlite test-postgres test-browser test-matrix
	@echo "All checks and tests passed."

# Regenerate and compile the zh_Hans catalogues after changing user-facing strings.
messages: install system-deps
	bash scripts/messages.sh $(PY)

bench: install
	@for script in bench/bench_*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; $(PY) $$script || exit 1; \
	done

# The same benchmarks on PostgreSQL, each script on its own throw-away cluster
# (a fresh database, as `make bench` gives each a fresh SQLite file). Scripts that
# compare against SQLite only say so and are skipped.
bench-postgres: install system-deps
	@for script in bench/bench_*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script (PostgreSQL)"; \
		bash scripts/with-postgres.sh $(PY) $$script || exit 1; \
	done

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache .tox build dist

# Load runs on loopback (never part of `make test`): SQLite and PostgreSQL + Redis
# stacks, survey vs stock Wagtail form page. SECONDS_PER_RUN=60 for the full run.
.PHONY: load
load: install
	bash bench/load/run.sh
