# The two commands of the README: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The console's front-end packages (htmx, ECharts) from the npm registry, pinned by the
# lockfile, installed into node_modules/ (git-ignored) and served from there.
NODE_STAMP := node_modules/.installed

.PHONY: run test lint bench install clean translations

# The project is byte-compiled at install, as a wheel install would be: an editable
# install otherwise compiles on first import, and never where PYTHONDONTWRITEBYTECODE is set.
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,excel,prod]'
	$(BIN)/python -m compileall -q core plugins webhooks excel_addin >/dev/null
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

HOST ?= 127.0.0.1
PORT ?= 5000

run: $(STAMP) $(NODE_STAMP)
	$(BIN)/jixiao init --demo
	$(BIN)/jixiao serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check core plugins webhooks excel_addin migrations tests bench examples
	$(BIN)/lint-imports --config setup.cfg

test: lint $(NODE_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/ledger.py $(BENCH_ARGS)
	$(BIN)/python bench/webhooks.py $(BENCH_ARGS)
	$(BIN)/python bench/results.py $(BENCH_ARGS)
	$(BIN)/python bench/excel.py $(BENCH_ARGS)
	$(BIN)/python bench/console.py $(BENCH_ARGS)
	$(BIN)/python bench/cli.py

clean:
	rm -rf $(VENV) node_modules build *.egg-info .pytest_cache .ruff_cache

# Re-extract the console's messages into its catalogs (then translate the new zh_CN ones;
# tests/console/test_i18n.py fails on any left untranslated).
translations: $(STAMP)
	$(BIN)/pybabel extract -F core/console/babel.cfg -k _ -k gettext -o build/messages.pot .
	for l in zh_CN en; do $(BIN)/pybabel update -i build/messages.pot -d core/console/translations -l $$l --ignore-obsolete; done
