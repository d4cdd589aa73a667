"""Blocking while holding a lock: the check behind most hung lab runs.

A thread of the watched code that holds one of its locks and then makes a labrpc call, sends
on or receives from the apply channel, sleeps, joins a thread, or waits on anything but a
condition of the lock it holds, stalls every other thread that needs the lock for as long
as the call takes: a partitioned peer's RPC takes seconds, and a send on the apply channel
whose receiver calls back into Raft never returns (in Go as here, the channel is unbuffered).

Each check runs only when the call comes from a watched file, so the harness may block as it
likes (a persister writing under the Raft's lock is the lab's own design). One report per
call site and lock.
"""

from __future__ import annotations

import _thread
import sys
from collections.abc import Callable
from typing import Any

from labrace import report
from labrace.stacks import capture
from labrace.threads import current

_mu = _thread.allocate_lock()
_seen: set[tuple[Any, ...]] = set()
is_watched_file: Callable[[str], bool] = lambda filename: False  # set by labrace.install


def reset() -> None:
    with _mu:
        _seen.clear()


def check(what: str, depth: int, allowed: Any = None) -> bool:
    """Report ``what`` if the watched caller (``depth`` frames up) holds a tracked lock other
    than ``allowed``; returns whether the call is a watched one (its inner waits are then quiet)."""
    me = current()
    if me.quiet:
        return False
    f = sys._getframe(depth)
    if not is_watched_file(f.f_code.co_filename):
        return False
    held = [h for h in me.held if h.lock is not allowed]
    if held:
        key = (f.f_code.co_filename, f.f_lineno, what.split("(")[0], tuple(id(h.lock) for h in held))
        with _mu:
            fresh = key not in _seen
            _seen.add(key)
        if fresh:
            names = ", ".join(h.lock.describe() for h in held)
            sections = [(f"{what} by thread {me.name}, holding {names}", capture(frame=f))]
            sections += [(f"{h.lock.describe()} acquired at", h.site) for h in held]
            report.add(report.Report("WARNING: BLOCKING WHILE HOLDING A LOCK",
                                     f"{what} while holding {names}: every thread that needs it waits as long",
                                     sections, me))
    return True


def guarded(what: Callable[..., str | None], real: Callable[..., Any],
            allowed: Callable[..., Any] = lambda *a, **k: None) -> Callable[..., Any]:
    """``real``, checked first (``what`` names the call, or is None if it does not block);
    the waits inside it are not checked again."""

    def call(*args: Any, **kwargs: Any) -> Any:
        desc = what(*args, **kwargs)
        if desc is None or not check(desc, 2, allowed(*args, **kwargs)):
            return real(*args, **kwargs)
        me = current()
        me.quiet += 1
        try:
            return real(*args, **kwargs)
        finally:
            me.quiet -= 1

    call.__name__ = getattr(real, "__name__", "call")
    call.__doc__ = real.__doc__
    call.__wrapped__ = real  # type: ignore[attr-defined]
    return call


def blocks(args: tuple[Any, ...], kwargs: dict[str, Any], index: int) -> bool:
    """Whether a queue-style call blocks: its ``block`` argument (default True) at ``index``."""
    if "block" in kwargs:
        return bool(kwargs["block"])
    return bool(args[index]) if len(args) > index else True
