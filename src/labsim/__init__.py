"""Simulation mode (``LABS_SIM=1``): the tests in virtual time under a seeded scheduler.

The labs' code is unchanged: Raft, the RSM, the servers and clerks keep calling plain
``threading``, ``time``, ``random`` and ``queue``. ``install()`` replaces those primitives for
the whole process (labsim.primitives); each simulated test then runs as one Simulation
(labsim.scheduler): one thread at a time, the next one chosen by the seed at every
synchronization point, on a clock that jumps to the next timer when no thread can run. The
same seed gives the same run, and a failure replays from the line the test session prints.

    LABS_SIM=1 LABS_SIM_SEED=7 .venv/bin/python -m pytest -k 3A     # or: make test SIM=1 PART=3A
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
from typing import Iterator

from labsim.primitives import active, begin, end, install, installed
from labsim.report import describe
from labsim.scheduler import SimExit, Simulation, SimulationFailure

__all__ = ["enabled", "install", "installed", "active", "seed", "preempt", "schedule", "settings_env", "simulation",
           "Simulation", "SimExit", "SimulationFailure"]

DEFAULT_PREEMPT = 0.05


def enabled() -> bool:
    return os.environ.get("LABS_SIM", "") not in ("", "0")


def _env_number(name: str, kind: type, default: object) -> object:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise SystemExit(f"labsim: {name} must be {noun}, not {raw!r}") from None


_seed: int | None = None


def seed() -> int:
    """This session's seed: LABS_SIM_SEED, or one drawn once (and printed by the session)."""
    global _seed
    if _seed is None:
        drawn = random.SystemRandom().randrange(1, 1_000_000_000)
        _seed = int(_env_number("LABS_SIM_SEED", int, drawn))  # type: ignore[arg-type]
    return _seed


def preempt() -> float:
    """The chance of a switch at each synchronization point (LABS_SIM_PREEMPT)."""
    p = float(_env_number("LABS_SIM_PREEMPT", float, DEFAULT_PREEMPT))  # type: ignore[arg-type]
    if not 0.0 <= p <= 1.0:
        raise SystemExit(f"labsim: LABS_SIM_PREEMPT must be between 0 and 1, not {p}")
    return p


def schedule() -> dict[str, object]:
    """The scheduling policy and its settings: LABS_SIM_SCHEDULE=random (the default) or pct,
    with LABS_SIM_PCT_DEPTH (3) and LABS_SIM_PCT_STEPS (100000) for pct; and for either,
    LABS_SIM_SLACK, the most a timer may fire late, in seconds (0)."""
    name = os.environ.get("LABS_SIM_SCHEDULE", "random") or "random"
    if name not in ("random", "pct"):
        raise SystemExit(f"labsim: LABS_SIM_SCHEDULE must be random or pct, not {name!r}")
    depth = int(_env_number("LABS_SIM_PCT_DEPTH", int, 3))  # type: ignore[arg-type]
    steps = int(_env_number("LABS_SIM_PCT_STEPS", int, 100_000))  # type: ignore[arg-type]
    if depth < 1 or steps < 1:
        raise SystemExit("labsim: LABS_SIM_PCT_DEPTH and LABS_SIM_PCT_STEPS must be at least 1")
    slack = float(_env_number("LABS_SIM_SLACK", float, 0.0))  # type: ignore[arg-type]
    if not 0.0 <= slack <= 1.0:
        raise SystemExit(f"labsim: LABS_SIM_SLACK must be between 0 and 1 (seconds), not {slack}")
    return {"schedule": name, "pct_depth": depth, "pct_steps": steps, "slack": slack}


SETTINGS = ("LABS_SIM_PREEMPT", "LABS_SIM_SCHEDULE", "LABS_SIM_PCT_DEPTH", "LABS_SIM_PCT_STEPS", "LABS_SIM_SLACK")


def settings_env() -> list[str]:
    """The schedule's settings this process runs with, as NAME=VALUE: a replay needs them too."""
    return [f"{name}={os.environ[name]}" for name in SETTINGS if os.environ.get(name)]


@contextlib.contextmanager
def simulation(seed: int, *, limit: float, preempt: float = DEFAULT_PREEMPT,
               **policy: object) -> Iterator[Simulation]:
    """Run the body in the calling thread as one simulation, and take its threads down after.

    labsim must be installed. On leaving, every thread the body started and left running is
    stopped (SimExit is raised where it waits), one by one in the order they started.
    """
    if not installed():
        raise RuntimeError("labsim: install() must run before a simulation (set LABS_SIM=1)")
    random.seed(f"labsim-random-{seed}")
    sim = Simulation(seed, limit=limit, preempt=preempt, main_thread=threading.current_thread(),
                     describe=describe, **policy)  # type: ignore[arg-type]
    begin(sim)
    try:
        yield sim
    finally:
        if sim.current is sim.main:
            sim.finish()
        else:  # interrupted (a timeout signal) while another thread ran
            sim.abort()
        end(sim)
