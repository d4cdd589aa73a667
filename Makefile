# One-command set-up: every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PART   ?=
PYTEST_ARGS ?=

DISK_PARTS ?= 3C or 3D or 4A or 4B or 4C

N ?= 10
P ?= 2

# RACE=1: the race and lock-discipline detector (LABS_RACE=1) for test, test-disk and stress
RACE ?=
RACE_ENV := $(if $(filter-out 0,$(RACE)),LABS_RACE=1)
# SIM=1: simulation mode (LABS_SIM=1): virtual time, a seeded scheduler; SEED=N repeats a run
SIM ?=
SEED ?=
SEEDS ?=
SIM_ON := $(filter-out 0,$(SIM))
SIM_ENV := $(if $(SIM_ON),LABS_SIM=1 PYTHONHASHSEED=0 $(if $(SEED),LABS_SIM_SEED=$(SEED)))
# make stress SIM=1: run i takes seed SEED+i-1 (a random first one unless SEED is given), or SEEDS=17,42
SIM_SEEDS := $(if $(SIM_ON),$(SEEDS))
SIM_FIRST := $(if $(SIM_ON),$(SEED))

LAB  ?= all
OUT  ?=
DIR  ?= .
RUNS ?= 1

.PHONY: test test-disk stress demo bench handout grade clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	mkdir -p out
	touch $(STAMP)

## make test: the whole suite (make test PART=3A runs one part, as go test -run 3A;
## make test RACE=1 runs it under the race detector, as go test -race)
test: $(STAMP)
	$(RACE_ENV) $(SIM_ENV) $(PY) -m pytest $(if $(PART),-k $(PART)) $(PYTEST_ARGS)

## make test-disk: the persistence-heavy parts with the disk persister (PERSISTER_DISK=1)
test-disk: $(STAMP)
	$(RACE_ENV) $(SIM_ENV) PERSISTER_DISK=1 PERSISTER_DIR=$${PERSISTER_DIR:-raft-data} $(PY) -m pytest -k "$(DISK_PARTS)" $(PYTEST_ARGS)

## make stress PART=3A N=100 P=2: run a part N times, P processes at a time, and count failures
stress: $(STAMP)
	$(RACE_ENV) $(SIM_ENV) $(PY) -m labtools.stress $(if $(PART),-k "$(PART)") -n $(N) -p $(P) $(if $(DISK),--disk) \
	  $(if $(SIM_SEEDS),--seeds $(SIM_SEEDS)) $(if $(SIM_FIRST),--seed $(SIM_FIRST))

## make demo: a 5-server kvraft cluster under partitions and crashes for 30 s, with a live view,
## then a linearizability check and an HTML timeline in out/ (make demo DEMO_ARGS="--help")
demo: $(STAMP)
	$(PY) -m labtools.demo $(DEMO_ARGS)

## make bench: figures with units (not timed tests)
bench: $(STAMP)
	$(PY) bench/labrpc_bench.py
	$(PY) bench/raft_bench.py
	$(PY) bench/disk_bench.py
	$(PY) bench/kv_bench.py
	$(PY) bench/porcupine_bench.py --quiet --slow-timeout 10

## make handout LAB=3 OUT=dir: a student's tree of a lab (2, 3, 4 or all), with no solution code in it
handout: $(STAMP)
	$(PY) -m labtools.handout --lab $(LAB) $(if $(OUT),--out $(OUT))

## make grade DIR=student-tree PART=3A RUNS=3: grade a tree as the course does (out/grade/results.json)
grade: $(STAMP)
	$(PY) -m labtools.grade $(if $(PART),--parts "$(PART)") --runs $(RUNS) $(DIR)

clean:
	rm -rf $(VENV) raft-data
