"""Eraser's lockset algorithm (Savage et al., 1997) over the attributes of watched objects.

Every read and write of an instance attribute of a watched class goes through here. Each
attribute moves through Eraser's states:

- *exclusive*: one thread uses it (the constructor, before the threads start). An object
  handed to another thread after the accesses (by starting the thread, an event, a queue, a
  join: ``happens``) moves with it, as Go's detector orders accesses by the hand-off;
- *shared*: other threads read it, nobody writes: its lockset is refined, nothing is reported;
- *shared-modified*: written once shared: the lockset (the locks held at every access since)
  is refined, and when it becomes empty no lock protects it: a data race, reported once per
  attribute with the access and the previous conflicting access by another thread.

Only attribute bindings are seen: ``self.log.append(x)`` is a read of ``self.log``.
"""

from __future__ import annotations

import _thread
import sys
from types import FrameType, MethodType
from typing import Any

from labrace import report
from labrace.locks import TrackedLock
from labrace.stacks import Frame, capture
from labrace.threads import ThreadInfo, current

EXCLUSIVE, SHARED, SHARED_MODIFIED = 0, 1, 2
READ, WRITE = "read", "write"
RECENT = 8  # accesses by distinct threads kept per attribute, to name the previous conflicting one


class _Access:
    __slots__ = ("kind", "thread", "site", "locks")

    def __init__(self, kind: str, thread: ThreadInfo, site: Frame, locks: tuple[str, ...]) -> None:
        self.kind = kind
        self.thread = thread
        self.site = site
        self.locks = locks


class _Shadow:
    """Eraser's state of one attribute of one object."""

    __slots__ = ("state", "owner", "owner_tick", "lockset", "recent", "reported")

    def __init__(self, owner: ThreadInfo) -> None:
        self.state = EXCLUSIVE
        self.owner = owner
        self.owner_tick = 0  # the owner's clock at its latest access, while exclusive
        self.lockset: frozenset[int] = frozenset()
        self.recent: dict[int, _Access] = {}
        self.reported = False


class Shadows:
    """The shadow state of every watched object seen since the last reset."""

    def __init__(self) -> None:
        self._mu = _thread.allocate_lock()
        self._objects: dict[int, tuple[Any, dict[str, _Shadow]]] = {}  # holds the object: ids stay unique

    def reset(self) -> None:
        with self._mu:
            self._objects.clear()

    def access(self, obj: Any, name: str, kind: str, frame: FrameType) -> None:
        me = current()
        found = None
        with self._mu:
            entry = self._objects.get(id(obj))
            if entry is None:
                entry = self._objects[id(obj)] = (obj, {})
            shadows = entry[1]
            sh = shadows.get(name)
            if sh is None:
                sh = shadows[name] = _Shadow(me)
            elif sh.state == EXCLUSIVE:
                if sh.owner is not me:
                    if me.saw(sh.owner, sh.owner_tick):
                        sh.owner = me  # handed over: the owner's accesses happened before this one
                    else:
                        sh.state = SHARED if kind == READ else SHARED_MODIFIED
                        sh.lockset = me.lockset
            else:
                sh.lockset &= me.lockset
                if kind == WRITE:
                    sh.state = SHARED_MODIFIED
            if sh.state == SHARED_MODIFIED and not sh.lockset and not sh.reported:
                sh.reported = True
                found = self._previous(sh, me, kind)
            code = frame.f_code
            access = _Access(kind, me, (code.co_filename, frame.f_lineno, code.co_name), me.lock_names)
            sh.recent.pop(me.serial, None)
            sh.recent[me.serial] = access
            if len(sh.recent) > RECENT:
                del sh.recent[next(iter(sh.recent))]
            if sh.state == EXCLUSIVE:
                sh.owner_tick = me.tick
        if found is not None:
            self._report(obj, name, kind, frame, me, found)

    @staticmethod
    def _previous(sh: _Shadow, me: ThreadInfo, kind: str) -> _Access:
        """The latest access by another thread that conflicts with this one."""
        for access in reversed(list(sh.recent.values())):
            if access.thread is not me and (kind == WRITE or access.kind == WRITE):
                return access
        for access in reversed(list(sh.recent.values())):
            if access.thread is not me:
                return access
        return _Access("access", me, ("?", 0, "?"), ())

    @staticmethod
    def _report(obj: Any, name: str, kind: str, frame: FrameType, me: ThreadInfo, prev: _Access) -> None:
        what = f"{type(obj).__qualname__}.{name}"
        report.add(report.Report(
            "WARNING: DATA RACE",
            f"{what} is shared by threads, written, and no lock is held at every access",
            [(f"{kind.capitalize()} at {what} by thread {me.name}, {_holding(me.lock_names)}", capture(frame=frame)),
             (f"Previous {prev.kind} at {what} by thread {prev.thread.name}, {_holding(prev.locks)}", (prev.site,))],
            me, prev.thread))


def _holding(names: tuple[str, ...]) -> str:
    return f"holding {', '.join(names)}" if names else "holding no lock"


shadows = Shadows()


def watch_class(cls: type) -> None:
    """Route the instance attribute reads and writes of ``cls`` (and its subclasses) through Eraser."""
    if cls.__dict__.get("_labrace_watched"):
        return
    get, set_, delete = cls.__getattribute__, cls.__setattr__, cls.__delattr__
    own = {a: cls.__dict__[a] for a in ("__getattribute__", "__setattr__", "__delattr__") if a in cls.__dict__}
    getframe = sys._getframe

    def __getattribute__(self: Any, name: str) -> Any:
        value = get(self, name)
        if name[:2] != "__" and type(value) is not MethodType and name != "_labrace_watched":
            shadows.access(self, name, READ, getframe(1))
        return value

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if isinstance(value, TrackedLock) and value.name is None:
            value.name = f"{type(self).__qualname__}.{name}"
        shadows.access(self, name, WRITE, getframe(1))
        set_(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        shadows.access(self, name, WRITE, getframe(1))
        delete(self, name)

    cls._labrace_originals = own  # type: ignore[attr-defined]
    cls.__getattribute__ = __getattribute__  # type: ignore[method-assign]
    cls.__setattr__ = __setattr__  # type: ignore[method-assign]
    cls.__delattr__ = __delattr__  # type: ignore[method-assign]
    cls._labrace_watched = True  # type: ignore[attr-defined]


def unwatch_class(cls: type) -> None:
    originals = cls.__dict__.get("_labrace_originals")
    if originals is None:
        return
    for attr in ("__getattribute__", "__setattr__", "__delattr__", "_labrace_originals", "_labrace_watched"):
        delattr(cls, attr)
    for attr, value in originals.items():
        setattr(cls, attr, value)

