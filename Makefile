# kg — run `make help` for the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
KG     := $(BIN)/kg

.DEFAULT_GOAL := help
.PHONY: help setup setup-test run test lint format fmt-ttl notebooks bench docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/activate ## create .venv and install kg into it
	$(BIN)/pip install --quiet -e .

setup-test: $(BIN)/activate ## install kg with the test tools, Chromium for the browser tests, Virtuoso for the remote tests
	$(BIN)/pip install --quiet -e ".[test]"
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto sans cjk"; } || { \
	  echo "installing Debian's chromium and Japanese fonts for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-cjk >/dev/null; }
	@{ command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1; } || { \
	  echo "installing Debian's virtuoso-opensource-7-bin for the remote-store tests (no service is started)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    virtuoso-opensource-7-bin >/dev/null; }

run: setup ## build the graph, print a summary, answer an example question, write the HTML views
	$(KG) build
	$(KG) stats
	$(KG) query cq-r5a-blacktech-advisory-issuers --lang en
	@if $(KG) viz --help >/dev/null 2>&1; then $(KG) viz --output views/overview.html && \
	  $(KG) viz --co-issuance --output views/co-issuance.html; fi

test: setup-test ## run the whole test suite (unit, queries, fidelity, browser, notebooks) after the lint step
	@$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

lint: ## ruff check and ruff format --check (code, tests, bench, notebooks), the Turtle layout check and mypy on src/kg
	$(BIN)/ruff check src tests $(wildcard bench) notebooks
	$(BIN)/ruff format --check src tests $(wildcard bench) notebooks
	$(BIN)/python -m kg.turtle_style ontology graph
	$(BIN)/mypy

format: ## format the code with ruff
	$(BIN)/ruff format src tests $(wildcard bench) notebooks

fmt-ttl: ## put ontology/ and graph/ Turtle into the canonical layout (comments kept)
	$(BIN)/python -m kg.turtle_style --fix ontology graph

notebooks: setup-test ## execute every notebook and save its outputs in place
	$(BIN)/python -m kg.notebooks --write

bench: setup-test ## run the benchmark and print the table (see bench/README.md)
	$(BIN)/python -m bench.run

docs: $(BIN)/activate ## write the ontology's HTML documentation to docs/ontology/index.html (pyLODE, offline)
	$(BIN)/pip install --quiet -e ".[docs]"
	$(KG) docs --output docs/ontology

clean: ## remove the built store and generated views
	rm -rf .kg views
