# Two commands: `make run` serves the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app registry
export FLASK_APP := registry

.PHONY: run test venv lint bench clean-db translations

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

run: venv
	$(FLASK) db upgrade
	$(FLASK) load-regions
	@if $(FLASK) is-empty; then $(FLASK) seed-demo; else $(FLASK) demo-logins; fi
	@echo "打开 http://127.0.0.1:5000 （Ctrl+C 停止）"
	@# The job worker runs beside the server and stops with it (Ctrl+C or exit).
	@$(BIN)/huey_consumer registry.worker.huey -w 1 -q & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: venv
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean-db:
	rm -f instance/registry.db

# English catalogue: msgids are the Chinese texts; en/ holds their English.
translations: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o registry/translations/messages.pot .
	$(BIN)/pybabel update -i registry/translations/messages.pot -d registry/translations -l en --no-fuzzy-matching
	$(BIN)/pybabel compile -d registry/translations -l en
