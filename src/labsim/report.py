"""The report of a run that cannot go on: every thread, what it waits for, and where."""

from __future__ import annotations

import os
import queue
import sys
import threading
import traceback
from types import FrameType

from labsim.scheduler import BLOCKED, DONE, SimThread, Simulation

_HERE = os.path.dirname(__file__)
# The files that make up a wait: the standard library's and labsim's own machinery.
MACHINERY = frozenset([threading.__file__, queue.__file__] +
                      [os.path.join(_HERE, f) for f in ("scheduler.py", "primitives.py", "report.py", "__init__.py")])

# The innermost frames of a thread worth printing; the outer ones are pytest and bootstrap.
STACK_DEPTH = 12


def _outside(frame: FrameType | None) -> tuple[FrameType | None, FrameType | None]:
    """(the machinery frame the code called, the code's own frame that called it)."""
    entry = None
    while frame is not None and frame.f_code.co_filename in MACHINERY:
        entry, frame = frame, frame.f_back
    return entry, frame


def _called(entry: FrameType | None) -> str:
    """The call the code is waiting in, e.g. ``Event.wait()`` or ``Lock.acquire()``."""
    if entry is None:
        return "?"
    owner = entry.f_locals.get("self")
    kind = type(owner).__name__ if owner is not None else ""
    kind = {"SimLock": "Lock", "_PyRLock": "RLock", "_PySimpleQueue": "SimpleQueue"}.get(kind, kind)
    name = entry.f_code.co_name
    if kind == "Thread" or name in ("sleep",):
        return {"_thread_join": "Thread.join()", "sleep": "time.sleep()"}.get(name, f"{kind}.{name}()")
    return f"{kind}.{name}()" if kind else f"{name}()"


def _waits_for(rec: SimThread, frame: FrameType | None) -> str:
    entry, code = _outside(frame)
    where = f" at {os.path.basename(code.f_code.co_filename)}:{code.f_lineno}" if code is not None else ""
    text = f"in {_called(entry)}{where}"
    lock = rec.waiting
    if hasattr(lock, "owner") and lock.owner is not None and lock.owner is not rec:
        text += f": the lock is held by thread {lock.owner.sid} {lock.owner.name!r}"
        if lock.taken_at is not None:
            code, line = lock.taken_at
            text += f", taken at {os.path.basename(code.co_filename)}:{line}"
    elif rec.what:
        text += f" ({rec.what})"
    if rec.deadline is not None:
        text += f", until {rec.deadline:.3f}s"
    return text


def _stack(frame: FrameType) -> list[str]:
    entries = [e for e in traceback.extract_stack(frame) if e.filename not in MACHINERY][-STACK_DEPTH:]
    return [line.rstrip("\n") for line in traceback.format_list(entries)]


def describe(sim: Simulation, reason: str) -> str:
    """The report: the reason, then each thread that has not finished, with its stack."""
    frames = sys._current_frames()
    live = [rec for rec in sim.by_sid if rec.state is not DONE]
    lines = [f"labsim: {reason}",
             f"  at virtual time {sim.now:.3f}s, seed {sim.seed}, step {sim.steps:,}; "
             f"{len(live)} thread(s) not finished:"]
    for rec in live:
        ident = rec.thread.ident
        frame = frames.get(ident) if ident is not None else None
        if rec.state is BLOCKED:
            state = "waits " + _waits_for(rec, frame)
        else:
            state = "runnable" if ident is not None else "started, has not run yet"
        lines.append("")
        lines.append(f"  thread {rec.sid} {rec.name!r} {state}")
        if frame is not None:
            lines.extend("    " + line.replace("\n", "\n    ") for line in _stack(frame))
    return "\n".join(lines)
