# Set-up and everyday commands. Each target creates or updates .venv from pyproject.toml first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data/aclImdb_v1_labeled.tar.gz
PRESET ?= default

.PHONY: train test lint typecheck clean

# One virtualenv; the stamp records which extras are installed so edits to pyproject re-install.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[serve,train,dev]'
	touch $@

## Train the default preset on the IMDB archive into models/imdb-sentiment (about 25 min on 2 cores).
train: $(VENV)/.dev-installed
	$(BIN)/python -m training train --preset $(PRESET) --data $(DATA)

## Lint, type-check and run every test (the command CI runs).
test: $(VENV)/.dev-installed
	$(BIN)/ruff check app training tests
	$(BIN)/ruff format --check app training tests
	$(BIN)/mypy
	$(BIN)/python -m pytest; status=$$?; [ $$status -eq 5 ] && echo "pytest collected no tests" && exit 1; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
