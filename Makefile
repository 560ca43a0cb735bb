# AutoVitrine — every target installs what it needs first (virtualenv, pinned packages, npm data).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROD_STAMP := $(VENV)/.installed-prod
WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails, QR codes and share links point where `make run` serves, unless given.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
export DJANGO_SETTINGS_MODULE := autovitrine.config.settings

.PHONY: install install-prod lock run serve worker test test-sqlite test-postgres bench lint typecheck messages clean

# Development and CI: runtime + test tools (requirements-dev.lock); production installs only
# requirements.lock (`make install-prod`). Both locks carry hashes, checked by pip.
$(STAMP): pyproject.toml requirements.lock requirements-dev.lock package.json package-lock.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

install: $(STAMP)

## Runtime packages only (no test tools), for a production host; a subset of the dev install
$(PROD_STAMP): pyproject.toml requirements.lock package.json package-lock.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@test -f $(STAMP) || npm ci --omit=dev --no-audit --no-fund --loglevel=error
	@touch $(PROD_STAMP)

install-prod: $(PROD_STAMP)

## Re-pin both locks (with hashes) after a change of pyproject.toml
lock:
	uv pip compile pyproject.toml --python-version 3.11 --prerelease=if-necessary-or-explicit \
	  --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --prerelease=if-necessary-or-explicit --generate-hashes -o requirements-dev.lock

## The platform with demo data on the embedded default (SQLite), at http://$(HOST):$(PORT)
run: export PUBLIC_BASE_URL := $(PUBLIC_BASE_URL)
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) manage.py demo_data
	$(PY) manage.py collectstatic --noinput -v 0
	@echo "Tâches de fond : un worker et les expirations périodiques démarrent avec le serveur."
	$(PY) manage.py db_worker --queue-name '*' & worker=$$!; \
	  $(PY) manage.py run_periodic & periodic=$$!; \
	  trap 'kill $$worker $$periodic' EXIT; \
	  $(VENV)/bin/granian --interface asgi --host $(HOST) --port $(PORT) --workers 1 autovitrine.config.asgi:application

## Production-style server: WORKERS processes (set DATABASE_URL, REDIS_URL, AUTOVITRINE_ENV...)
## Requests wait for Django on each worker's event loop (core/request_gate.py), so granian lets
## many in: a crowd's pages waiting there must not keep the waiting room's polls out.
serve: $(PROD_STAMP)
	$(PY) manage.py collectstatic --noinput -v 0
	$(VENV)/bin/granian --interface asgi --host $(HOST) --port $(PORT) --workers $(WORKERS) \
	  --backpressure 2048 autovitrine.config.asgi:application

worker: $(PROD_STAMP)
	$(PY) manage.py run_periodic & periodic=$$!; \
	  trap 'kill $$periodic' EXIT; \
	  $(PY) manage.py db_worker --queue-name '*'

## The whole suite on SQLite, then on PostgreSQL (TEST_DATABASE_URL, default local postgres)
test: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

## Parallel: TEST_WORKERS processes, each with its own test database and Redis key prefix
TEST_WORKERS ?= 2
## The browser tests drive the production stack (granian, PostgreSQL, Redis): they run in the
## PostgreSQL pass; the SQLite pass runs everything else, pages included, but the tests that touch
## no database (`database_free`), which one pass is enough for.
test-sqlite: $(STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) -m "not browser and not database_free" $(PYTEST_ARGS)

test-postgres: $(STAMP)
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/autovitrine} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	  $(PY) -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

## Every benchmark in bench/, each on its own database and Redis db; all run even when one misses
## its targets, and the target fails at the end if any did. The flash sale at a small size
## (FLASH_VISITORS=300000 for the full one).
FLASH_VISITORS ?= 3000
BENCHES := bench/stock_search.py bench/configurator.py bench/configurator_http.py \
  bench/community.py bench/tracking.py bench/workshop.py bench/flash_join_cap.py \
  "bench/flash_sale.py --visitors $(FLASH_VISITORS)"
bench: $(STAMP)
	@failed=""; \
	for script in $(BENCHES); do \
	  echo "=== $$script"; $(PY) $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "Benchmarks that missed a target or failed:$$failed"; exit 1; fi

## ruff, ruff format, the import-linter contracts, then mypy over the whole of src/ (`typecheck`)
lint: $(STAMP)
	$(VENV)/bin/ruff check src bench
	$(VENV)/bin/ruff format --check src bench
	$(VENV)/bin/lint-imports --no-cache
	$(MAKE) --no-print-directory typecheck

typecheck: $(STAMP)
	$(VENV)/bin/mypy src/autovitrine

messages: $(STAMP)
	cd src/autovitrine && ../../$(PY) ../../manage.py makemessages -l en --ignore=tests

clean:
	rm -rf $(VENV) node_modules var
