"""The pytest side of labsim: with LABS_SIM=1 each test of the labs runs as one Simulation.

Loaded by the test session (src/conftest.py); without LABS_SIM it does nothing. The test
function itself runs in the simulation, in pytest's own thread; fixtures and pytest keep real
time. A test marked ``labsim_exempt`` (it starts processes, or drives pytest) runs in real
time. Every failure of a simulated test is reported with the command that replays it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

import labsim
from labsim.scheduler import MONOTONIC_BASE

EXEMPT = "labsim_exempt"
FORCED = "labsim"

# The packages whose tests run simulated; the rest (the workbench, the detectors, the checker's
# command line) start processes or time themselves for real.
SIMULATED = ("labgob", "labrpc", "tester1", "raft1", "kvsrv1", "kvtest1", "kvraft1", "models1")

DEFAULT_LIMIT = 300.0  # virtual seconds a test may take, when pytest-timeout gives none

_records: list[dict] = []
_replays: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{EXEMPT}: runs in real time even with LABS_SIM=1 "
                            "(it starts processes, or times something real)")
    config.addinivalue_line("markers", f"{FORCED}: with LABS_SIM=1, simulated wherever it lives")
    if not labsim.enabled():
        return
    labsim.install()


def pytest_collection_finish(session: pytest.Session) -> None:
    if labsim.enabled():
        _preload()


def _preload() -> None:
    """Import every module of the labs now: an import inside a test takes steps (its locks), and
    only the first test to import a module would take them, so a test alone would not replay
    as it ran in the suite."""
    src = Path(__file__).resolve().parents[1]
    for package in SIMULATED:
        for path in sorted((src / package).rglob("*.py")):
            if path.name.endswith("_test.py") or path.name == "conftest.py":
                continue
            parts = path.relative_to(src).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a student file that does not import: its tests say so
                pass


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not labsim.enabled():
        return []
    policy = labsim.schedule()
    how = (f"pct, depth {policy['pct_depth']} over {policy['pct_steps']} steps" if policy["schedule"] == "pct"
           else f"random, preemption {labsim.preempt()}")
    if policy["slack"]:
        how += f", timer slack {policy['slack']}s"
    lines = [f"labsim: simulation, seed {labsim.seed()} (LABS_SIM_SEED={labsim.seed()} repeats this run), "
             f"schedule {how}"]
    if "PYTHONHASHSEED" not in os.environ:
        lines.append("labsim: PYTHONHASHSEED is not set, so the order of sets of strings may differ "
                     "between runs; set it (make test SIM=1 does) for runs that repeat exactly")
    return lines


def _simulated(item: pytest.Item) -> bool:
    if not labsim.enabled() or item.get_closest_marker(EXEMPT):
        return False
    if item.get_closest_marker(FORCED):
        return True
    parts = Path(str(item.path)).parts
    return "src" in parts and parts[parts.index("src") + 1] in SIMULATED


def _limit(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    try:
        ini = item.config.getini("timeout")
        return float(ini) if ini else DEFAULT_LIMIT
    except (TypeError, ValueError, KeyError):
        return DEFAULT_LIMIT


def _module(name: str) -> Any:
    """An already imported module of the labs, or None (a Lab 2 handout has no raft1)."""
    return sys.modules.get(name)


def _reset_process_state() -> None:
    """What the process carries from test to test is set afresh, so a test replays alone."""
    if (labrpc_module := _module("labrpc.labrpc")) is not None:  # its idle handler threads belong to one run
        labrpc_module._pool = labrpc_module._HandlerPool()
    if (config_module := _module("tester1.config")) is not None:  # it seeds `random` once per process
        config_module._first = False
    if (debug_log := _module("raft1.util")) is not None:  # its stamps count from the test's clock
        debug_log._start = MONOTONIC_BASE


def replay_command(nodeid: str, seed: int) -> str:
    env = ["LABS_SIM=1", f"LABS_SIM_SEED={seed}", *labsim.settings_env()]
    if "PYTHONHASHSEED" in os.environ:
        env.append(f"PYTHONHASHSEED={os.environ['PYTHONHASHSEED']}")
    return " ".join(env) + " .venv/bin/python -m pytest " + shlex.quote(nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    if not _simulated(pyfuncitem):
        return (yield)
    seed = labsim.seed()
    _reset_process_state()
    outcome = "failed"
    sim: labsim.Simulation | None = None
    try:
        with labsim.simulation(seed, limit=_limit(pyfuncitem), preempt=labsim.preempt(),
                               **labsim.schedule()) as sim:
            result = yield
        outcome = "passed"
        return result
    finally:
        if sim is not None:
            _record(pyfuncitem, seed, sim, outcome)


def _record(item: pytest.Item, seed: int, sim: labsim.Simulation, outcome: str) -> None:
    record = {"nodeid": item.nodeid, "seed": seed, "outcome": outcome, "digest": sim.digest(),
              "virtual_seconds": round(sim.now, 6), "steps": sim.steps, "switches": sim.switches,
              "threads": len(sim.by_sid)}
    item.user_properties.append(("labsim", record))
    _records.append(record)
    path = os.environ.get("LABS_SIM_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    rep = yield
    if rep.failed and _simulated(item):
        record = dict(item.user_properties).get("labsim")
        line = replay_command(item.nodeid, labsim.seed())
        when = f" (failed at virtual time {record['virtual_seconds']:.3f}s)" if record else ""
        rep.sections.append(("labsim", f"replay{when}:\n  {line}"))
        if line not in _replays:
            _replays.append(line)
    return rep


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not labsim.enabled() or not _records:
        return
    h = hashlib.sha256("".join(r["digest"] for r in _records).encode()).hexdigest()[:16]
    virtual = sum(r["virtual_seconds"] for r in _records)
    tr = terminalreporter
    tr.write_sep("-", "labsim")
    tr.write_line(f"labsim: seed {labsim.seed()}, {len(_records)} test(s) simulated, "
                  f"{virtual:.1f} virtual seconds, schedule digest {h}")
    for line in _replays:
        tr.write_line(f"labsim: replay: {line}")
