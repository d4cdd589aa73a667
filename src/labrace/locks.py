"""Locks that the detector can see, and lockdep: the order in which they are taken.

A lock made by the code under test (``threading.Lock()`` called from one of its files) is a
``TrackedLock``: it behaves as the lock it wraps, and tells the detector who holds it and
where it was taken. That gives Eraser its locksets and the blocking check its culprits, and
lets lockdep record, as Linux's does, every "B taken while A was held": a cycle in that graph
is a deadlock waiting for the right interleaving, reported even if this run never hit it.
"""

from __future__ import annotations

import _thread
import itertools
from typing import Any, Callable

from labrace import report
from labrace.stacks import Frame, Stack, capture, format_stack, where
from labrace.threads import ThreadInfo, current


_serials = itertools.count(1)


class TrackedLock:
    """``threading.Lock`` with bookkeeping; a ``threading.Condition`` can be built on it."""

    def __init__(self, inner: Any, made_at: Frame) -> None:
        self.serial = next(_serials)
        self._inner = inner
        self.made_at = made_at
        self.name: str | None = None  # "Raft.mu" once it is assigned to a watched attribute
        self._owner: ThreadInfo | None = None

    def describe(self, which: bool = False) -> str:
        """``Raft.mu`` (the attribute that holds it), or where it was made; ``which`` adds
        its number, to tell apart the locks of two objects of one class."""
        fn, line, _ = self.made_at
        name = self.name or f"lock made at {where(fn)}:{line}"
        return f"{name} #{self.serial}" if which else name

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = current()
        if blocking:
            order.before_acquire(me, self)
        ok = self._inner.acquire(blocking, timeout)
        if ok:
            self._owner = me
            me.push(self, capture(2))
        return ok

    def release(self) -> None:
        if not self._inner.locked():
            raise RuntimeError("release unlocked lock")
        owner, self._owner = self._owner, None
        if owner is not None:
            owner.pop(self)
        self._inner.release()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def locked(self) -> bool:
        return self._inner.locked()

    def _is_owned(self) -> bool:  # for threading.Condition
        return self._owner is current()

    def __repr__(self) -> str:
        return f"<TrackedLock {self.describe()} {'locked' if self.locked() else 'unlocked'}>"


class TrackedRLock(TrackedLock):
    """``threading.RLock`` with bookkeeping: only the outermost acquire and release count."""

    def __init__(self, inner: Any, made_at: Frame) -> None:
        super().__init__(inner, made_at)
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = current()
        if self._owner is me:
            self._inner.acquire()
            self._count += 1
            return True
        if blocking:
            order.before_acquire(me, self)
        ok = self._inner.acquire(blocking, timeout)
        if ok:
            self._owner, self._count = me, 1
            me.push(self, capture(2))
        return ok

    __enter__ = acquire

    def release(self) -> None:
        if self._owner is not current():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            owner, self._owner = self._owner, None
            owner.pop(self)
        self._inner.release()

    def locked(self) -> bool:
        return self._owner is not None

    def _release_save(self) -> Any:  # for threading.Condition.wait: let go of every level
        me = current()
        count, self._count, self._owner = self._count, 0, None
        me.pop(self)
        return count, self._inner._release_save()

    def _acquire_restore(self, saved: Any) -> None:
        count, state = saved
        me = current()
        order.before_acquire(me, self)
        self._inner._acquire_restore(state)
        self._owner, self._count = me, count
        me.push(self, capture(2))


class _Edge:
    """The first time B was taken while A was held: by whom, and the two stacks."""

    __slots__ = ("thread", "held_at", "taken_at")

    def __init__(self, thread: str, held_at: Stack, taken_at: Stack) -> None:
        self.thread = thread
        self.held_at = held_at
        self.taken_at = taken_at


class LockOrder:
    """The graph of lock order over a run (lockdep), and its cycles."""

    def __init__(self) -> None:
        self._mu = _thread.allocate_lock()
        self._edges: dict[int, dict[int, _Edge]] = {}
        self._locks: dict[int, TrackedLock] = {}  # keeps every lock in the graph alive: ids stay unique
        self._cycles: set[frozenset[int]] = set()

    def reset(self) -> None:
        with self._mu:
            self._edges.clear()
            self._locks.clear()
            self._cycles.clear()

    def before_acquire(self, me: ThreadInfo, lock: TrackedLock) -> None:
        if not me.held:
            return
        for held in me.held:
            if held.lock is lock:
                report.add(report.Report(
                    "WARNING: LOCK ORDER", f"{me.name} acquires {lock.describe()}, which it already holds "
                    "(a deadlock: threading.Lock is not reentrant)",
                    [("Acquire by thread " + me.name, capture(3)), ("Held since", held.site)], me))
                return
        new: list[tuple[TrackedLock, _Edge]] = []
        with self._mu:
            for held in me.held:
                a, b = id(held.lock), id(lock)
                out = self._edges.setdefault(a, {})
                if b not in out:
                    edge = _Edge(me.name, held.site, capture(3))
                    out[b] = edge
                    self._locks[a], self._locks[b] = held.lock, lock
                    new.append((held.lock, edge))
            cycles = []
            for first, edge in new:
                path = self._path(id(lock), id(first))
                if path is not None:
                    key = frozenset([id(first)] + path)
                    if key not in self._cycles:
                        self._cycles.add(key)
                        cycles.append((first, edge, path))
        for first, edge, path in cycles:
            report.add(self._report(me, first, lock, edge, path))

    def _path(self, start: int, goal: int) -> list[int] | None:
        """Lock ids from start to goal along recorded edges, or None."""
        stack, seen = [(start, [start])], {start}
        while stack:
            node, path = stack.pop()
            if node == goal:
                return path
            for nxt in self._edges.get(node, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
        return None

    def _report(self, me: ThreadInfo, first: TrackedLock, lock: TrackedLock, edge: _Edge,
                path: list[int]) -> report.Report:
        names = [self._locks[i].describe(True) for i in path]
        cycle = " -> ".join([first.describe(True)] + names)
        sections = [(f"{lock.describe(True)} acquired by thread {me.name} while holding {first.describe(True)}",
                     edge.taken_at),
                    (f"{first.describe(True)} acquired at", edge.held_at)]
        for a, b in zip(path, path[1:]):
            back = self._edges[a][b]
            sections.append((f"{self._locks[b].describe(True)} acquired by thread {back.thread} "
                             f"while holding {self._locks[a].describe(True)}", back.taken_at))
            sections.append((f"{self._locks[a].describe(True)} acquired at", back.held_at))
        return report.Report("WARNING: LOCK ORDER INVERSION",
                             f"possible deadlock: a cycle in lock order {cycle}", sections, me)


order = LockOrder()


def factory(real: Callable[[], Any], tracked: type[TrackedLock],
            is_watched_file: Callable[[str], bool]) -> Callable[[], Any]:
    """``threading.Lock`` (or ``RLock``) as the detector installs it: tracked for watched code."""
    import sys

    def make_lock(*args: Any, **kwargs: Any) -> Any:
        f = sys._getframe(1)
        inner = real(*args, **kwargs)
        if is_watched_file(f.f_code.co_filename):
            return tracked(inner, (f.f_code.co_filename, f.f_lineno, f.f_code.co_name))
        return inner

    make_lock.__doc__ = real.__doc__
    return make_lock
