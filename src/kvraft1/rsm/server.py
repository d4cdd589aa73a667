"""The state machine the rsm tests replicate: a counter (Go: kvraft1/rsm/server.go)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import labfatal
import labgob
import raftapi
import tester1
from kvraft1.rsm.rsm import RSM, make_rsm
from labrpc import ClientEnd

if TYPE_CHECKING:
    from kvraft1.rsm.test import Test


@labgob.register
@dataclass
class Inc:
    """Increment the counter; DoOp answers with an IncRep."""


@labgob.register
@dataclass
class IncRep:
    n: int = 0


@labgob.register
@dataclass
class Null:
    """Do nothing; DoOp answers with a NullRep."""


@labgob.register
@dataclass
class NullRep:
    pass


@labgob.register
@dataclass
class Dec:
    """Submitted only to a minority leader: executing it is a fatal error."""


def _go_type(x: Any) -> str:
    """A Go-like %T of ``x``: "rsm.Dec" for kvraft1.rsm.server.Dec, "int" for an int."""
    cls = type(x)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    parts = cls.__module__.split(".")
    pkg = parts[-2] if len(parts) > 1 else parts[0]
    return f"{pkg}.{cls.__qualname__}"


class RsmSrv:
    """One test server: an RSM whose state machine is a counter (Go: rsmSrv)."""

    def __init__(self, ts: Test, srv: int, ends: list[ClientEnd], persister: tester1.Persister,
                 snapshot: bool) -> None:
        self.ts = ts
        self.me = srv
        self.mu = threading.Lock()
        self.counter = 0
        # make_rsm may already restore a snapshot or apply entries, so the
        # counter must exist before it is called.
        self.rsm: RSM | None = None
        self.rsm = make_rsm(ends, srv, persister, ts.maxraftstate, self)


    def do_op(self, req: Any) -> Any:
        if isinstance(req, Inc):
            with self.mu:
                self.counter += 1
                return IncRep(self.counter)
        if isinstance(req, Null):
            return NullRep()
        # wrong type! expecting an Inc.
        labfatal.fatalf("DoOp should execute only Inc and not %s", _go_type(req))

    def snapshot(self) -> bytes:
        e = labgob.LabEncoder()
        with self.mu:
            e.encode(self.counter)
        return e.getvalue()

    def restore(self, data: bytes) -> None:
        try:
            counter = labgob.LabDecoder(data).decode()
        except labgob.LabgobError:
            counter = None
        if not isinstance(counter, int) or isinstance(counter, bool):
            labfatal.fatalf("%d couldn't decode counter", self.me)
        with self.mu:
            self.counter = counter

    def kill(self) -> None:
        # Never called by the tester: only the Raft is in the service list.
        with self.mu:
            self.rsm = None

    def raft(self) -> raftapi.Raft:
        with self.mu:
            return self.rsm.raft()


def make_rsm_srv(ts: Test, srv: int, ends: list[ClientEnd], persister: tester1.Persister,
                 snapshot: bool) -> RsmSrv:
    """Start test server ``srv`` (Go: makeRsmSrv; the message types register at import)."""
    return RsmSrv(ts, srv, ends, persister, snapshot)
