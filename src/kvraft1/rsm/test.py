"""The rsm test harness (Go: kvraft1/rsm/test.go).

A ``Test`` wraps a ``tester1.Config`` (Go embeds ``*tester.Config``; here the
config's attributes are forwarded) with one ``RsmSrv`` per server, and submits
operations through whichever server's RSM is the leader.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

import labfatal
import raftapi
import tester1
from tester1.embed import Embeds
from kvraft1.rsm.server import Inc, IncRep, Null, NullRep, RsmSrv, make_rsm_srv
from kvsrv1 import rpc
from labrpc import ClientEnd

NSRV = 3
NSEC = 10

GID = tester1.GRP0


class Test(Embeds):
    """The state of one rsm test: its config, its servers and the last known leader."""

    __test__ = False  # not a pytest test class

    def __init__(self, maxraftstate: int) -> None:
        self.config: tester1.Config | None = None
        self.mu = threading.Lock()
        self.g: tester1.ServerGrp | None = None
        self.maxraftstate = maxraftstate
        self.srvs: list[RsmSrv | None] = [None] * NSRV
        self.leader = 0


    def __enter__(self) -> Test:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc_type is not None or labfatal.recorded():
            self.config.mark_failed()
        self.cleanup()  # Go: defer ts.cleanup()
        return False

    def thread_fatal(self, msg: str) -> None:
        """Fail the test from any thread, at once (Go: t.Fatalf in a goroutine)."""
        if self.config is not None:
            self.config.mark_failed()
        labfatal.fatalf("%s", msg)

    def cleanup(self) -> None:
        try:
            self.config.end()
        finally:
            self.config.cleanup()
        self.config.check_timeout()

    def mksrv(self, ends: list[ClientEnd], grp: tester1.Tgid, srv: int,
              persister: tester1.Persister) -> list[Any]:
        """Start server ``srv``; only its Raft is a labrpc service (and killed at shutdown)."""
        s = make_rsm_srv(self, srv, ends, persister, False)
        self.srvs[srv] = s
        return [s.rsm.raft()]

    def one_partition(self, p: list[int] | None, req: Any) -> Any:
        """Submit ``req`` to a leader in ``p`` (None: anywhere); its reply, or None after NSEC."""
        # try all the servers, maybe one is the leader but give up after NSEC
        t0 = time.monotonic()
        while time.monotonic() - t0 < NSEC:
            with self.mu:
                index = self.leader
            for _ in range(len(self.srvs)):
                if self.g.is_connected(index):
                    s = self.srvs[index]
                    rsm = s.rsm if s is not None else None
                    if rsm is not None and in_partition(index, p):
                        err, rep = rsm.submit(req)
                        if err == rpc.OK:
                            with self.mu:
                                self.leader = index
                            return rep
                index = (index + 1) % len(self.srvs)
            time.sleep(0.050)
        return None

    def one_inc(self) -> IncRep | None:
        return self.one_partition(None, Inc())

    def one_null(self) -> NullRep | None:
        return self.one_partition(None, Null())

    def check_counter(self, v: int, nsrv: int) -> None:
        """Wait (30 polls with backoff) for at least ``nsrv`` servers to have counter ``v``."""
        to = 0.010
        n = 0
        for _ in range(30):
            n = self.count_value(v)
            if n >= nsrv:
                text = f"all {nsrv} servers have counter value {v}"
                tester1.annotate_checker_success(text, text)
                return
            time.sleep(to)
            if to < 1.0:
                to *= 2
        err = f"checkCounter: only {n} srvs have {v} instead of {nsrv}"
        tester1.annotate_checker_failure(err, err)
        self.config.fatalf(err)

    def count_value(self, v: int) -> int:
        i = 0
        for s in self.srvs:
            if s is None:
                continue
            with s.mu:
                if s.counter == v:
                    i += 1
        return i

    def disconnect_leader(self) -> int:
        self.g.disconnect_all(self.leader)
        return self.leader

    def connect(self, i: int) -> None:
        self.g.connect_one(i)


def in_partition(s: int, p: list[int] | None) -> bool:
    return p is None or s in p


def leader(cfg: tester1.Config, gid: tester1.Tgid) -> tuple[bool, int]:
    """(True, i) for the first server i whose Raft service says it is leader; else (False, 0)."""
    for i, ss in enumerate(cfg.group(gid).services()):
        for s in ss or []:
            if isinstance(s, raftapi.Raft):
                _, is_leader = s.get_state()
                if is_leader:
                    return True, i
    return False, 0


def make_test(maxraftstate: int) -> Test:
    """Start NSRV connected servers on a reliable network (Go: makeTest)."""
    ts = Test(maxraftstate)
    ts.config = tester1.make_config(NSRV, True, ts.mksrv)
    ts.g = ts.config.group(GID)
    return ts
