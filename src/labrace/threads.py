"""Who a thread is, for the detector: a serial never reused, its name, and where it was started.

Thread idents are reused once a thread ends, and the labs start thousands of short threads
(one per RPC); the detector tells threads apart by an object of its own, attached when
``Thread.start`` runs. Each thread also keeps a vector clock: its own tick, bumped whenever it
hands something over (``release``), and the latest tick of every other thread that happened
before it (``known``, raised by ``acquire``). Starting a thread, joining it, and the hand-offs
of ``happens`` move clocks, as they do in Go's race detector; ``saw`` asks whether an access
of another thread happened before now.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from labrace.stacks import Stack, capture

Clock = dict[int, int]  # thread serial -> that thread's tick
PLUMBING = "_labrace_plumbing"  # marks a sync object of threading's own, which happens ignores

_serials = itertools.count(1)
_local = threading.local()


class HeldLock:
    """A tracked lock this thread holds, and where it took it."""

    __slots__ = ("lock", "site")

    def __init__(self, lock: Any, site: Stack) -> None:
        self.lock = lock
        self.site = site


class ThreadInfo:
    """The detector's record of one thread."""

    __slots__ = ("serial", "name", "start_stack", "tick", "known", "final", "held", "lockset",
                 "lock_names", "quiet")

    def __init__(self, name: str, start_stack: Stack | None, known: Clock | None = None) -> None:
        self.serial = next(_serials)
        self.name = name
        self.start_stack = start_stack  # None for a thread started before the detector
        self.tick = 1  # this thread's own entry of its vector clock
        self.known: Clock = known or {}  # the others' entries: what happened before this thread's now
        self.final: Clock | None = None  # published as the thread's run() returns, for join()
        self.held: list[HeldLock] = []
        self.lockset: frozenset[int] = frozenset()  # ids of the held locks, for Eraser
        self.lock_names: tuple[str, ...] = ()
        self.quiet = 0  # inside a blocking call already checked: its inner waits are not reported

    def push(self, lock: Any, site: Stack) -> None:
        self.held.append(HeldLock(lock, site))
        self._refresh()

    def pop(self, lock: Any) -> None:
        for i in range(len(self.held) - 1, -1, -1):
            if self.held[i].lock is lock:
                del self.held[i]
                break
        self._refresh()

    def _refresh(self) -> None:
        self.lockset = frozenset(id(h.lock) for h in self.held)
        self.lock_names = tuple(h.lock.describe() for h in self.held)

    # The clock methods are called by this thread only: ``known`` and ``tick`` need no lock.

    def release(self) -> Clock:
        """This thread's clock to hand over (a start, a set, a put, its end); then a new tick."""
        clock = dict(self.known)
        clock[self.serial] = self.tick
        self.tick += 1
        return clock

    def acquire(self, clock: Clock) -> None:
        """Everything ``clock`` covers happened before what this thread does next."""
        known = self.known
        for serial, tick in clock.items():
            if tick > known.get(serial, 0) and serial != self.serial:
                known[serial] = tick

    def saw(self, other: ThreadInfo, tick: int) -> bool:
        """Did ``other``'s access at its ``tick`` happen before this thread's now?"""
        return other is self or tick <= self.known.get(other.serial, 0)

    def __repr__(self) -> str:
        return f"ThreadInfo({self.name!r}, #{self.serial})"


def current() -> ThreadInfo:
    """The calling thread's record."""
    info = getattr(_local, "info", None)
    if info is None:
        th = threading.current_thread()
        info = getattr(th, "_labrace_info", None) or ThreadInfo(th.name, None)
        _local.info = info
    return info


def starting(thread: threading.Thread) -> None:
    """Called by the patched ``Thread.start`` in the parent, before the child runs: the child
    starts after everything the parent did, and publishes its clock as its run() ends."""
    info = ThreadInfo(thread.name, capture(2), current().release())
    thread._labrace_info = info  # type: ignore[attr-defined]
    # threading sets the child's _started event before it registers the child, when asking
    # who is running would make a dummy thread (and recurse): happens leaves that event out.
    thread._started.__dict__[PLUMBING] = True  # type: ignore[attr-defined]
    run = thread.run

    def run_then_publish() -> None:
        try:
            run()
        finally:
            info.final = info.release()

    thread.run = run_then_publish  # type: ignore[method-assign]


def joined(thread: threading.Thread) -> None:
    """Called after ``Thread.join`` returns: if the thread ended, all it did happened before now."""
    info = getattr(thread, "_labrace_info", None)
    if info is not None and info.final is not None and not thread.is_alive():
        current().acquire(info.final)
