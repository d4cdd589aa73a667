"""Happens-before through hand-offs: vector clocks on thread start and join, events and queues.

Eraser alone asks every shared field for a common lock, so an object handed from one thread
to another (a clerk a test builds, uses in one client thread, and then passes to the next
after waiting for the first) looks like a race. Go's detector orders such accesses by the
hand-off itself. Here the same is done for the hand-offs the labs use: starting a thread,
joining one, ``Event.set``/``wait``, and a put on a queue or the apply channel before the get
that takes it. An attribute that only one thread uses at a time, with each use ordered after
the last by such a hand-off, stays with its latest user (Eraser's *exclusive* state) and needs
no lock. Locks add no order here: that is the lockset's business, so a field guarded only by
luck of scheduling is still reported.

A sync object's clock is the join of every clock published on it (a queue's, not an item's):
coarser than Go's, so it may order a little more than it should, and never less.
"""

from __future__ import annotations

import _thread
from collections.abc import Callable
from typing import Any

from labrace.threads import PLUMBING, Clock, current

_mu = _thread.allocate_lock()
_ATTR = "_labrace_clock"


def publish(obj: Any) -> None:
    """What the calling thread has done so far happens before whoever observes ``obj`` next."""
    clock = current().release()
    with _mu:
        held: Clock | None = obj.__dict__.get(_ATTR)
        if held is None:
            obj.__dict__[_ATTR] = clock
        else:
            for serial, tick in clock.items():
                if tick > held.get(serial, 0):
                    held[serial] = tick


def observe(obj: Any) -> None:
    """The calling thread comes after everything published on ``obj`` so far."""
    with _mu:
        held = obj.__dict__.get(_ATTR)
        clock = dict(held) if held else None
    if clock:
        current().acquire(clock)


def publishing(real: Callable[..., Any]) -> Callable[..., Any]:
    """``real(self, ...)`` that first publishes on ``self`` (Event.set, a queue's put)."""

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if PLUMBING not in self.__dict__:
            publish(self)
        return real(self, *args, **kwargs)

    return _like(call, real)


def observing(real: Callable[..., Any], succeeded: Callable[[Any], bool] = lambda result: True) -> Callable[..., Any]:
    """``real(self, ...)`` that then observes ``self`` if it succeeded (Event.wait, a queue's get)."""

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = real(self, *args, **kwargs)
        if succeeded(result) and PLUMBING not in self.__dict__:
            observe(self)
        return result

    return _like(call, real)


def _like(call: Callable[..., Any], real: Callable[..., Any]) -> Callable[..., Any]:
    call.__name__ = getattr(real, "__name__", "call")
    call.__doc__ = real.__doc__
    call.__wrapped__ = real  # type: ignore[attr-defined]
    return call
