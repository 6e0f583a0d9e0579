# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test dev lint format validate bench clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## generate the demo world (first use), serve it, run 12 sync ticks an hour of sandbox time apart, print a summary
	$(BIN)/asc demo

test: $(STAMP)  ## the whole test suite
	./scripts/ensure-chromium
	$(BIN)/pytest -n 2  # two workers: the slow end-to-end tests run side by side

dev: $(STAMP)  ## the Dagster UI + daemon on http://127.0.0.1:3000 with the sandbox as the source
	$(BIN)/asc dev

lint: $(STAMP)  ## ruff, and the layers contract (import-linter, see pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: $(STAMP)
	$(BIN)/dagster definitions validate -w workspace.yaml

bench: $(STAMP)  ## asc bench on the demo world at Amazon's rates (not part of the test suite)
	$(BIN)/asc bench --products 2000 --stores 3 --change-rate 0.01 --ticks 3 --rate-scale 1 --json asc_data/bench/demo.json

clean:
	rm -rf asc_data .pytest_cache .ruff_cache
