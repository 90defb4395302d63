# Self-bootstrapping: every target creates .venv and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BIND   ?= 127.0.0.1:8000

.PHONY: install postgres-server run test lint typecheck chromium nginx bench bench-routing bench-fetch bench-e2e bench-request-path bench-instructions bench-store bench-scheduler bench-storage bench-auth bench-postgres clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# The tests start PostgreSQL servers of their own (tests/pgserver.py): its binaries
# come from Debian's packages. `make run` needs none of this (SQLite).
PG_INITDB := $(wildcard /usr/lib/postgresql/*/bin/initdb)

postgres-server:
	@test -n "$(PG_INITDB)" || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "make: PostgreSQL is not installed (apt-get install postgresql); its tests are skipped"; \
	  fi; }

run: $(STAMP)
	$(BIN)/convexhttp serve examples.quickstart.http:http --bind $(BIND) --workers 2

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy src/convexhttp examples

test: $(STAMP) postgres-server lint typecheck chromium nginx
	$(BIN)/python -m pytest -n 2 -q

# The CORS browser test (tests/test_cors_browser.py) drives headless Chromium.
chromium:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# Debian's nginx for tests/test_deploy_nginx.py (docs/deploy-nginx.md), as wrk for bench-e2e.
nginx:
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light)

bench: bench-routing bench-fetch bench-e2e bench-request-path bench-instructions bench-store bench-scheduler bench-storage bench-auth bench-postgres

bench-routing: $(STAMP)
	$(BIN)/python benchmarks/routing.py

bench-fetch: $(STAMP)
	$(BIN)/python benchmarks/fetch.py

bench-request-path: $(STAMP)
	$(BIN)/python benchmarks/request_path.py

bench-instructions: $(STAMP)
	command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)
	$(BIN)/python benchmarks/routing.py --instructions
	$(BIN)/python benchmarks/request_path.py --instructions
	$(BIN)/python benchmarks/e2e.py --instructions

bench-e2e: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/e2e.py

bench-scheduler: $(STAMP)
	$(BIN)/python benchmarks/scheduler.py

bench-storage: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/storage.py

bench-auth: $(STAMP)
	$(BIN)/python benchmarks/auth.py

bench-postgres: $(STAMP) postgres-server
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/postgres.py

bench-store: $(STAMP)
	$(BIN)/python benchmarks/store.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
