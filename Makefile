# policykg: two commands on a fresh machine.
#   make run   set up, build the embedded graph from data/policies/, serve http://127.0.0.1:8000
#   make test  set up (Neo4j and Chromium included) and run every test
# Everything is installed by these rules; nothing by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export POLICYKG_HOME ?= $(CURDIR)/var

.PHONY: help setup setup-dev data run test lint bench browser neo4j neo4j-start neo4j-stop clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime  ## Create .venv with the pinned runtime requirements

setup-dev: $(VENV)/.dev  ## Add the pinned test and lint tools

data: setup  ## (Re)build the embedded graph from every document in data/policies/
	$(BIN)/policykg load data/policies/

run: data  ## Set up, build the graph, serve the app on http://$(HOST):$(PORT)
	$(BIN)/policykg serve --host $(HOST) --port $(PORT)

browser:  ## Install Debian's Chromium and a CJK font for the browser tests (root or sudo)
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi"; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	fi

neo4j: setup  ## Download Neo4j Community from Maven Central into ~/.cache/policykg (once)
	$(BIN)/policykg neo4j install

neo4j-start: neo4j  ## Start the project's Neo4j on 127.0.0.1 (state under var/neo4j)
	$(BIN)/policykg neo4j start

neo4j-stop:  ## Stop the project's Neo4j
	$(BIN)/policykg neo4j stop

lint: setup-dev  ## ruff
	$(BIN)/ruff check .

test: setup-dev browser neo4j lint  ## Set up everything and run all tests (real Neo4j, embedded store, Chromium)
	$(BIN)/python -m pytest

bench: setup-dev neo4j  ## Run the benchmarks; figures in bench/results.json
	$(BIN)/python -m bench

clean:  ## Remove the venv and local state (not the Neo4j download cache)
	rm -rf $(VENV) var test-output *.egg-info
