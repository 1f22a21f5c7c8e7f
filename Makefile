# The README's commands. `make demo` and `make test` work on a fresh clone with nothing else.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export PYTHONUNBUFFERED := 1

.PHONY: demo test install lint typecheck imports pytest pytest-sqlite pytest-postgres check-deploy \
        bench-intake bench-telemetry bench-scheduling bench-console bench-matching bench-matching-scale \
        bench-reporting bench-fleet bench-jobs clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "atd needs Python 3.11 ($(PY) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate, seed synthetic data, start web + worker at http://127.0.0.1:8000
demo: install
	$(BIN)/atd demo

## make test: install, then lint, type check, import contracts and the whole suite
test: install lint typecheck imports check-deploy pytest

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy src

imports:
	$(BIN)/lint-imports

check-deploy:
	@ATD_SECRET_KEY="check-deploy-$$(printf 'x%.0s' {1..60})" ATD_DEBUG=0 ATD_DEMO=0 ATD_HTTPS=1 \
	  ATD_VAR_DIR=$$(mktemp -d) DATABASE_URL= \
	  $(BIN)/atd manage check --deploy --fail-level WARNING

pytest: pytest-sqlite pytest-postgres

# The default run is on SQLite; if DATABASE_URL names PostgreSQL, that is used instead.
pytest-sqlite:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite again on PostgreSQL when one answers (CI sets DATABASE_URL and requires it).
pytest-postgres:
	@if [ -n "$$DATABASE_URL" ]; then echo "DATABASE_URL is set: the run above used it"; \
	elif $(BIN)/python -m atd.core.services_probe postgres; then \
	  ATD_SECOND_PASS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(BIN)/python -m pytest $(PYTEST_ARGS); \
	else echo "PostgreSQL does not answer at 127.0.0.1:5432: PostgreSQL run skipped"; fi

bench-intake: install
	$(BIN)/python bench/intake.py

bench-telemetry: install
	$(BIN)/python bench/telemetry.py

bench-scheduling: install
	$(BIN)/python bench/scheduling.py

bench-console: install
	$(BIN)/python bench/console.py

bench-matching: install
	$(BIN)/python bench/matching.py

bench-matching-scale: install
	$(BIN)/python bench/matching_scale.py

# One fix per message through MQTT and OsmAnd, via a 3-node JetStream cluster (docs/benchmarks.md).
bench-fleet: install
	flock /tmp/atd-bench.lock $(BIN)/python bench/fleet.py

bench-reporting: install
	$(BIN)/python bench/reporting.py

bench-jobs: install
	$(BIN)/python bench/jobs.py

clean:
	rm -rf $(VENV) var/test_* .pytest_cache .mypy_cache .ruff_cache
