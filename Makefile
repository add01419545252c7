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

# Checkov (tests/test_checkov.py) pins networkx<2.7, network-config-analyzer networkx==3.2.1:
# it gets a virtualenv of its own.
CHECKOV := .venv-checkov/.installed
$(CHECKOV): pyproject.toml
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --upgrade pip
	.venv-checkov/bin/python -m pip install --quiet 'checkov>=3.2,<4'
	touch $(CHECKOV)

# Compile every example blueprint into out/<blueprint>/<env>/.
build: $(STAMP)
	@for bp in blueprints/*.py; do \
		$(BIN)/netgen build $$bp --out out/$$(basename $$bp .py) || exit $$?; \
	done

test: $(STAMP) $(CHECKOV)
	$(BIN)/ruff check netgen tests bench tools
	$(BIN)/python -m pytest

# The long property profile (10,000 examples per property).
test-slow: $(STAMP) $(CHECKOV)
	$(BIN)/python -m pytest -m slow -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check netgen tests bench tools

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-checkov .pytest_cache .ruff_cache
