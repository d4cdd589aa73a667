# One-command set-up: every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PART   ?=
PYTEST_ARGS ?=

.PHONY: test test-part demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(STAMP)

## make test: the whole suite (make test PART=3A runs one part, as go test -run 3A)
test: $(STAMP)
	$(PY) -m pytest $(if $(PART),-k $(PART)) $(PYTEST_ARGS)

## make demo: the main job: a short run on the emulated network that prints what happened
demo: $(STAMP)
	$(PY) -m labtools.demo $(DEMO_ARGS)

## make bench: figures with units (not timed tests)
bench: $(STAMP)
	$(PY) bench/labrpc_bench.py

clean:
	rm -rf $(VENV) raft-data
