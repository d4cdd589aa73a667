"""LABS_RACE=1: a race and lock-discipline detector for the code a student writes.

What ``go test -race`` is to the Go labs, for threads and locks: three checks, switched on
by the test session (``labrace.plugin``) and needing no annotation in the code they watch.

- **Unlocked shared fields** (``lockset``): Eraser's lockset algorithm on the attributes of
  the lab objects: a field shared by threads and written must have a lock held at every access.
- **Blocking while holding a lock** (``blocking``): a labrpc call, a send on the apply
  channel, a sleep, a join or a wait made while holding one of the watched code's locks.
- **Lock-order cycles** (``locks``): lockdep's graph of "B taken while holding A"; a cycle
  is reported even when this run did not deadlock.

Each finding is printed at once, in the shape of Go's race reports, and fails the running
test. The watched code is the files of ``WATCHED``: its locks are tracked (``threading.Lock``
called from those files makes a ``TrackedLock``) and the instance attributes of the classes
named there are shadowed. The harness is never watched, so it may block and share as it likes.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from labrace import blocking, happens, locks, lockset, report, stacks, threads
from labrace.report import Report

__all__ = ["WATCHED", "enabled", "install", "uninstall", "installed", "watching", "reset", "take", "Report"]

# The code a student writes, and the classes of it whose fields are checked (the list).
WATCHED: dict[str, tuple[str, ...]] = {
    "raft1.raft": ("Raft",),
    "kvraft1.rsm.rsm": ("RSM",),
    "kvraft1.server": ("KVServer",),
    "kvraft1.client": ("Clerk",),
    "kvsrv1.server": ("KVServer",),
    "kvsrv1.client": ("Clerk",),
    "kvsrv1.lock.lock": ("Lock",),
}

_undo: list[Callable[[], None]] = []
_files: set[str] = set()


def enabled() -> bool:
    """Whether the environment asks for the detector (LABS_RACE=1)."""
    return os.environ.get("LABS_RACE", "") not in ("", "0")


def installed() -> bool:
    return bool(_undo)


def _is_watched_file(filename: str) -> bool:
    return filename in _files


def _patch(owner: Any, name: str, value: Any) -> None:
    had = name in vars(owner)
    old = vars(owner).get(name)
    setattr(owner, name, value)
    _undo.append(lambda: setattr(owner, name, old) if had else delattr(owner, name))


def install(watched: Mapping[str, Iterable[str]] = WATCHED) -> None:
    """Switch the detector on for the modules (and classes) of ``watched``; idempotent."""
    if _undo:
        return
    from labrpc import ClientEnd
    from raftapi import Channel

    present: dict[str, Iterable[str]] = {}
    for name, classes in watched.items():
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:  # its package is missing
            spec = None
        if spec is None or spec.origin is None:
            if watched is WATCHED:
                continue  # a student's tree of one lab has only that lab's packages
            raise ValueError(f"labrace: no module {name!r} to watch")
        _files.add(os.path.abspath(spec.origin))
        present[name] = classes
    blocking.is_watched_file = _is_watched_file
    stacks.is_watched_file = _is_watched_file

    # Locks first: the watched modules may make locks as they are imported.
    _patch(threading, "Lock", locks.factory(threading.Lock, locks.TrackedLock, _is_watched_file))
    _patch(threading, "RLock", locks.factory(threading.RLock, locks.TrackedRLock, _is_watched_file))

    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        threads.starting(self)
        real_start(self)

    _patch(threading.Thread, "start", start)

    def join(th: threading.Thread, *args: Any, **kwargs: Any) -> None:
        real_join(th, *args, **kwargs)
        threads.joined(th)

    real_join = threading.Thread.join
    join.__wrapped__ = real_join  # type: ignore[attr-defined]

    g, pub, obs = blocking.guarded, happens.publishing, happens.observing
    _patch(time, "sleep", g(lambda secs: f"time.sleep({secs:g})", time.sleep))
    _patch(threading.Thread, "join", g(lambda th, *a, **k: f"Thread.join() of {th.name}", join))
    _patch(threading.Event, "set", pub(threading.Event.set))
    _patch(threading.Event, "wait", g(lambda ev, *a, **k: "Event.wait()", obs(threading.Event.wait, bool)))
    _patch(threading.Condition, "wait", g(lambda c, *a, **k: "Condition.wait() on a condition of another lock",
                                          threading.Condition.wait, lambda c, *a, **k: c._lock))
    _patch(threading.Condition, "wait_for", g(lambda c, *a, **k: "Condition.wait_for() on a condition of another lock",
                                              threading.Condition.wait_for, lambda c, *a, **k: c._lock))
    _patch(queue.Queue, "get", g(lambda q, *a, **k: "queue.Queue.get()" if blocking.blocks(a, k, 0) else None,
                                 obs(queue.Queue.get)))
    _patch(queue.Queue, "put", g(lambda q, *a, **k: "queue.Queue.put()" if blocking.blocks(a, k, 1) else None,
                                 pub(queue.Queue.put)))
    _patch(Channel, "put", g(lambda ch, *a, **k: "send on the apply channel" if blocking.blocks(a, k, 1) else None,
                             pub(Channel.put)))
    _patch(Channel, "get", g(lambda ch, *a, **k: "receive from the apply channel" if blocking.blocks(a, k, 0) else None,
                             obs(Channel.get)))
    _patch(ClientEnd, "call", g(lambda end, meth, *a, **k: f"labrpc call {meth}", ClientEnd.call))

    for name, classes in present.items():
        module = importlib.import_module(name)
        for cls_name in classes:
            cls = getattr(module, cls_name, None)
            if not isinstance(cls, type):
                raise ValueError(f"labrace: {name} has no class {cls_name!r} to watch")
            lockset.watch_class(cls)
            _undo.append(lambda cls=cls: lockset.unwatch_class(cls))


def uninstall() -> None:
    """Switch the detector off and forget everything it saw (for the detector's own tests)."""
    while _undo:
        _undo.pop()()
    _files.clear()
    reset()
    report.take()


@contextlib.contextmanager
def watching(watched: Mapping[str, Iterable[str]]) -> Iterator[None]:
    """The detector on ``watched`` instead, for a while (a test of the detector, or of wrong
    code); whatever the session had installed is put back afterwards."""
    was = installed()
    uninstall()
    install(watched)
    try:
        yield
    finally:
        uninstall()
        if was:
            install()


def reset() -> None:
    """Forget the objects, lock orders and call sites seen: a new test begins."""
    lockset.shadows.reset()
    locks.order.reset()
    blocking.reset()


def take() -> list[Report]:
    """The reports since the last take()."""
    return report.take()
