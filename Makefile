# CityWeave — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run install install-dev test test-fast lint format seed benchmark-search clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the project metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/cityweave migrate --no-input -v 0
	$(BIN)/cityweave seed
	$(BIN)/cityweave ensure_editor
	$(BIN)/cityweave serve --port $(PORT)

seed: install
	$(BIN)/cityweave migrate --no-input -v 0
	$(BIN)/cityweave seed

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cityweave

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

benchmark-search: install-dev
	$(BIN)/python benchmarks/search.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
