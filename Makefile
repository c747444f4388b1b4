# Two commands matter (README "Quick start"): `make book` and `make test`.
# Both create .venv when it is missing and install requirements.txt into it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STAGE  := _build/stage
JB_FLAGS := -W -n --keep-going --builder html

.PHONY: setup book notebooks test unit nbval build-book browser bench clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

setup: $(STAMP)

## Re-execute the notebooks whose inputs (code, data files read, lib/) changed. This is the one
## place notebooks execute: the book build renders the committed notebooks as they are
## (execute_notebooks: "off"), and the status page reads the times recorded here.
notebooks: $(STAMP)
	$(BIN)/livingreview validate data
	$(BIN)/livingreview bibtex --output book/studies.bib
	@start=$$(date +%s); $(BIN)/livingreview execute; \
	  echo "notebook execution: $$(( $$(date +%s) - start )) s"

## Validate data, refresh stale notebooks, build the site (no execution) into a staging folder and
## publish it to _build/html only when the build succeeded (the last good site survives).
book: notebooks
	@start=$$(date +%s); $(MAKE) --no-print-directory build-book; \
	  echo "HTML build: $$(( $$(date +%s) - start )) s"
	@echo "site: _build/html/index.html"

build-book: $(STAMP)
	@rm -rf $(STAGE)
	$(BIN)/jupyter-book build . --path-output $(STAGE) $(JB_FLAGS)
	@rm -rf _build/html.old; if [ -d _build/html ]; then mv _build/html _build/html.old; fi
	@mv $(STAGE)/_build/html _build/html; rm -rf _build/html.old $(STAGE)

## Every test: unit tests (incl. staleness), nbval against committed outputs, the book build
## with warnings as errors, and the built site in headless Chromium.
test: $(STAMP)
	$(BIN)/livingreview validate data
	$(BIN)/python -m pytest tests
	$(MAKE) --no-print-directory nbval
	$(MAKE) --no-print-directory build-book
	$(MAKE) --no-print-directory browser

## Browser tests against _build/html (installs Debian's chromium when missing; no browser download).
browser: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	LR_BROWSER=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  -p no:cacheprovider notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pool.py

clean:
	rm -rf _build .pytest_cache test-artifacts
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
