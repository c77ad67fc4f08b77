# The two commands of the README: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,excel]'
	touch $(STAMP)

install: $(STAMP)

HOST ?= 127.0.0.1
PORT ?= 5000

run: $(STAMP)
	$(BIN)/jixiao init --demo
	$(BIN)/jixiao serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check core plugins webhooks excel_addin migrations tests bench examples
	$(BIN)/lint-imports --config setup.cfg

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/ledger.py $(BENCH_ARGS)
	$(BIN)/python bench/webhooks.py $(BENCH_ARGS)
	$(BIN)/python bench/results.py $(BENCH_ARGS)
	$(BIN)/python bench/excel.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
