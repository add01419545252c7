# `make build` and `make test` set up everything on a fresh machine (a virtualenv in .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test test-slow lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compile every example blueprint into out/<blueprint>/<env>/.
build: $(STAMP)
	@for bp in blueprints/*.py; do \
		$(BIN)/netgen build $$bp --out out/$$(basename $$bp .py) || exit $$?; \
	done

test: $(STAMP)
	$(BIN)/ruff check netgen tests bench tools
	$(BIN)/python -m pytest

# The long property profile (10,000 examples per property).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check netgen tests bench tools

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
