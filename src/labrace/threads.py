"""Who a thread is, for the detector: a serial never reused, its name, and where it was started.

Thread idents are reused once a thread ends, and the labs start thousands of short threads
(one per RPC); the detector tells threads apart by an object of its own, attached when
``Thread.start`` runs. Starting a thread orders everything its parent did before against
everything the child does (Go's race detector knows this too): ``ordered`` asks that question.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from labrace.stacks import Stack, capture

_serials = itertools.count(1)
_ticks = itertools.count(1)  # one order for every event the detector sees; next() is atomic
_local = threading.local()


def tick() -> int:
    return next(_ticks)


class HeldLock:
    """A tracked lock this thread holds, and where it took it."""

    __slots__ = ("lock", "site")

    def __init__(self, lock: Any, site: Stack) -> None:
        self.lock = lock
        self.site = site


class ThreadInfo:
    """The detector's record of one thread."""

    __slots__ = ("serial", "name", "parent", "start_tick", "start_stack", "held", "lockset",
                 "lock_names", "quiet")

    def __init__(self, name: str, parent: ThreadInfo | None, start_stack: Stack | None) -> None:
        self.serial = next(_serials)
        self.name = name
        self.parent = parent
        self.start_tick = tick()
        self.start_stack = start_stack  # None for a thread started before the detector
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

    def ordered_after(self, other: ThreadInfo, when: int) -> bool:
        """Did ``other``'s event at tick ``when`` happen before everything this thread does?

        True if ``other`` is an ancestor of this thread and the event came before it started
        the thread on the way here: the hand-off of an object built before its threads start.
        """
        child: ThreadInfo | None = self
        while child is not None and child.parent is not None:
            if child.parent is other:
                return when < child.start_tick
            child = child.parent
        return False

    def __repr__(self) -> str:
        return f"ThreadInfo({self.name!r}, #{self.serial})"


def current() -> ThreadInfo:
    """The calling thread's record."""
    info = getattr(_local, "info", None)
    if info is None:
        th = threading.current_thread()
        info = getattr(th, "_labrace_info", None) or ThreadInfo(th.name, None, None)
        _local.info = info
    return info


def starting(thread: threading.Thread) -> None:
    """Called by the patched ``Thread.start`` in the parent, before the child runs."""
    thread._labrace_info = ThreadInfo(thread.name, current(), capture(2))  # type: ignore[attr-defined]
