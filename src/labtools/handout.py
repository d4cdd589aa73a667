"""Make a student's tree from this repository: the harness, the tests, the tools, and
skeletons of the files a student writes (see labtools.skeleton), with no solution in it.

    python -m labtools.handout --lab 3 --out out/handout-3      # or: make handout LAB=3
    python -m labtools.handout --lab all --out out/handout

A handout for one lab holds that lab's packages and what they stand on: Lab 2 kvsrv1,
Lab 3 raft1, Lab 4 raft1 and kvraft1 (the student brings the Raft of Lab 3), each with the
infrastructure (labgob, labrpc, raftapi, tester1, kvtest1, models1, porcupine, labfatal,
labrace, labsim) and the workbench tools a student uses (stress, logview, compare, the grader).
Left out: the tests that judge the harness with the reference's own internals, the
benchmarks, and the repository's CI tooling. It gets a Makefile and a README of its own.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from labtools import skeleton

ROOT = Path(__file__).resolve().parents[2]  # the repository: src/labtools/handout.py

COMMON = ["conftest.py", "labgob", "labrpc", "raftapi", "tester1", "labfatal", "labrace", "labsim", "porcupine",
          "models1", "kvtest1", "kvsrv1/__init__.py", "kvsrv1/rpc", "labtools/__init__.py",
          "labtools/stress.py", "labtools/logview.py", "labtools/compare.py", "labtools/junit.py",
          "labtools/parts.py", "labtools/skeleton.py", "labtools/handout.py", "labtools/grade.py",
          "labtools/labtools_test.py", "labtools/logview_test.py"]
LAB_PACKAGES: dict[str, list[str]] = {
    "2": ["kvsrv1"],
    "3": ["raft1"],
    "4": ["raft1", "kvraft1", "labtools/demo"],
}
# Tests of the harness that reach into the reference Raft's internals (its subclasses,
# private fields and RPC types), or need a working Raft to test the simulator with: they
# judge the harness, not the student.
REFERENCE_ONLY = {"raft1/harness_rejects_test.py", "raft1/race_rejects_test.py", "raft1/reply_reuse_test.py",
                  "raft1/rpc_bytes_test.py", "raft1/durability_test.py", "labsim/labsim_test.py"}
TOP_FILES = ["pyproject.toml", "LICENSE", "NOTICE", "docs/go-run.txt"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def labs_in(root: Path) -> tuple[str, ...]:
    """The labs whose packages ``root`` holds: all in the repository, one in a lab's handout."""
    return tuple(lab for lab, pkgs in LAB_PACKAGES.items() if all((root / "src" / p).exists() for p in pkgs))


def labs_of(spec: str, root: Path = ROOT) -> tuple[str, ...]:
    """The labs a handout spec names: "3" is ("3",); "all" is every lab ``root`` holds."""
    if spec == "all":
        return labs_in(root)
    if spec not in LAB_PACKAGES:
        raise ValueError(f"unknown lab {spec!r}: one of {', '.join(LAB_PACKAGES)} or all")
    return (spec,)


def student_files_in(labs: Iterable[str]) -> list[str]:
    """The student files a tree of these labs holds (Lab 4's tree holds raft.py too)."""
    packages = {p for lab in labs for p in LAB_PACKAGES[lab]}
    return [f for f in skeleton.student_files() if f.split("/")[0] in packages]


def make(out: Path, lab: str = "all", root: Path = ROOT) -> Path:
    """Write the handout for ``lab`` into ``out`` (which must not exist yet); returns ``out``."""
    labs = labs_of(lab, root)
    if out.exists():
        raise FileExistsError(f"{out} exists: the handout goes into a new folder")
    src, dst = root / "src", out / "src"
    for part in COMMON + [p for lab_ in labs for p in LAB_PACKAGES[lab_]]:
        _copy(src / part, dst / part)
    for name in REFERENCE_ONLY:
        (dst / name).unlink(missing_ok=True)
    for name in student_files_in(labs):
        (dst / name).write_text(skeleton.skeleton_of(src, name))
    for name in TOP_FILES:
        _copy(root / name, out / name)
    (out / "Makefile").write_text(MAKEFILE)
    (out / "README.md").write_text(readme(labs))
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.pyc\nraft-data/\n/out/\n*.egg-info/\n")
    return out


def _copy(source: Path, target: Path) -> None:
    if not source.exists():
        raise FileNotFoundError(f"{source} is missing from the repository")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():  # a package may come twice (raft1 for Labs 3 and 4), or after its __init__
        shutil.copytree(source, target, ignore=IGNORED, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)


MAKEFILE = """\
# A student's tree of the 6.5840 labs in Python. Every target sets up .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PART   ?=
N ?= 10
P ?= 2
RACE ?=
RACE_ENV := $(if $(filter-out 0,$(RACE)),LABS_RACE=1)
SIM ?=
SEED ?=
SEEDS ?=
SIM_ON := $(filter-out 0,$(SIM))
SIM_ENV := $(if $(SIM_ON),LABS_SIM=1 PYTHONHASHSEED=0 $(if $(SEED),LABS_SIM_SEED=$(SEED)))
RUNS ?= 1

.PHONY: test stress grade clean

$(STAMP): pyproject.toml
\t$(PYTHON) -m venv $(VENV)
\t$(PY) -m pip install -q --upgrade pip
\t$(PY) -m pip install -q -e .
\tmkdir -p out
\ttouch $(STAMP)

## make test PART=3A: one part's tests (as go test -run 3A); RACE=1 adds the race detector,
## SIM=1 [SEED=N] runs them in simulation (virtual time, a seeded scheduler)
test: $(STAMP)
\t$(RACE_ENV) $(SIM_ENV) $(PY) -m pytest $(if $(PART),-k $(PART))

## make stress PART=3A N=100 P=2: a part N times, P processes at a time (SIM=1: a seed each; SEEDS=a,b)
stress: $(STAMP)
\t$(RACE_ENV) $(SIM_ENV) $(PY) -m labtools.stress $(if $(PART),-k "$(PART)") -n $(N) -p $(P) \\
\t  $(if $(SIM_ON),$(if $(SEEDS),--seeds $(SEEDS)) $(if $(SEED),--seed $(SEED)))

## make grade PART=3A RUNS=3: score the parts as the course does (out/grade/results.json)
grade: $(STAMP)
\t$(PY) -m labtools.grade $(if $(PART),--parts "$(PART)") --runs $(RUNS) .

clean:
\trm -rf $(VENV) raft-data
"""

_LAB_LINES = {
    "2": "| Lab 2 | `src/kvsrv1/server.py`, `src/kvsrv1/client.py`, `src/kvsrv1/lock/lock.py` | `make test PART=kvsrv1` |",
    "3": "| Lab 3 | `src/raft1/raft.py` | `make test PART=3A` (3B, 3C, 3D) |",
    "4": "| Lab 4 | `src/kvraft1/rsm/rsm.py`, `src/kvraft1/server.py`, `src/kvraft1/client.py` "
         "(and your `src/raft1/raft.py` from Lab 3) | `make test PART=4A` (4B, 4C) |",
}


def readme(labs: tuple[str, ...]) -> str:
    rows = "\n".join(_LAB_LINES[lab] for lab in labs)
    return f"""# 6.5840 labs in Python: your tree

The MIT 6.5840 (Spring 2025) Raft and key/value labs, in Python: the network emulator, the
tester and the tests are the course's, ported test for test; the files below are yours to
write. They start as skeletons: the classes, methods and RPC types the tests call, with
`# Your code here` where your work goes. Until you write them the tests fail, and say why.

| lab | your files | run |
|---|---|---|
{rows}

Everything else is the harness: the grader puts its own copy back before it runs the
tests, so edits to it do not count (add helpers to your own files instead).

## Run

```sh
make test PART=3A                      # one part (pytest -k 3A), as go test -run 3A
.venv/bin/python -m pytest -k "3B and backup"   # one test
make test PART=3A RACE=1               # with the race detector, as go test -race
make stress PART=3A N=100 P=2          # a part 100 times, two at a time: the measure of a flake
make test PART=3A SIM=1 SEED=7         # in simulation: virtual time, a seeded scheduler
make stress PART=3A N=100 P=2 SIM=1    # 100 seeds; a failed one replays with SEEDS=...
```

Python 3.11 or newer; `make` installs what the tests need into `.venv`.

## Debug

- `RAFT_DEBUG=1` turns on the debug log of `src/raft1/util.py` (`dprint`, on stderr);
  `.venv/bin/python -m labtools.logview` lays a saved log out one column per server.
- `LABS_RACE=1` (`RACE=1`) reports a field shared by threads with no lock in common, a lock
  held across an RPC, a sleep or a send on the apply channel, and locks taken in both
  orders. A test with a report fails, as under `go test -race`.
- `LABS_SIM=1` (`SIM=1`) runs the tests in simulation: one thread at a time, chosen by a
  seed at every lock, sleep and thread start, on a virtual clock, so a run takes a fraction of
  its real time and a failure comes back from its seed. A failed test prints the line that
  replays it (`LABS_SIM=1 LABS_SIM_SEED=... .venv/bin/python -m pytest ...`); a deadlock is a
  report of every thread, the lock it waits for, who holds it and where it was taken.
- A test that fails on a linearizability check writes an HTML view of the history
  (`VIS_ENABLE=always` writes one for passing tests too).
- Every thread is a daemon: a test that hangs is stopped after 300 s with the stacks of all
  threads (pytest-timeout). The tester itself fails a test after 120 s.

## Grade yourself

```sh
make grade                             # every part once
make grade PART=3A,3B RUNS=3           # passes a part only if every run passes
```

The grader runs each part, fails it on any failed test, on a test over 120 s or a lab over
600 s, prints a table of scores, and writes `out/grade/results.json` (Gradescope's format).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a student's tree of the labs (no solution code in it).")
    parser.add_argument("--lab", default="all", help="2, 3, 4 or all (default)")
    parser.add_argument("--out", type=Path, default=None, help="a new folder (default: out/handout-LAB)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "out" / f"handout-{args.lab}"
    try:
        make(out, args.lab)
    except (ValueError, FileExistsError, FileNotFoundError, skeleton.MarkupError) as e:
        print(f"handout: {e}", file=sys.stderr)
        return 2
    files = [p for p in out.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"handout: lab {args.lab} in {out}: {len(files)} files, {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
