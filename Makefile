# The two commands a new user runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Front-end libraries from the npm registry (package-lock.json), copied as they are: no build.
VENDOR := src/throughline/web/static/vendor
ASSETS := $(VENDOR)/.copied

.PHONY: run test lint typecheck unit install lock clean worker bench

$(STAMP): pyproject.toml requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-sse/dist/sse.min.js $(VENDOR)/
	touch $@

install: $(STAMP) $(ASSETS)

run: $(STAMP) $(ASSETS)
	$(BIN)/throughline serve

worker: $(STAMP)
	$(BIN)/throughline worker

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(ASSETS)
	$(BIN)/pytest -q

# The quick benchmark runs inside `unit` too (tests/bench), so the benchmark code cannot rot.
test: lint typecheck unit

# Benchmarks (issue 6, docs/PERFORMANCE.md): about 20 minutes; QUICK=1 for a tiny run in seconds.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(if $(QUICK),--quick)

# Re-pin dependencies after editing pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/main.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR)
