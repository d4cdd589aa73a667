"""The Go tester1 self-tests, ported."""

from __future__ import annotations

import pytest

import tester1
from kvsrv1 import rpc


class Server:
    def __init__(self) -> None:
        self.n: rpc.Tversion = 0
        self.killed = False

    def kill(self) -> None:
        self.killed = True

    def get(self, args: rpc.GetArgs, reply: rpc.GetReply) -> None:
        self.n += 1
        reply.version = self.n


class Test:
    __test__ = False

    def __init__(self, nsrv: int) -> None:
        self.s: Server | None = None
        self.sn = tester1.server_name(tester1.GRP0, 0)
        self.config = tester1.make_config(nsrv, True, self.start_server)
        self.clnt = self.config.make_client()

    def start_server(self, servers, gid, me, persister) -> list[tester1.IService]:
        self.s = Server()
        return [self.s]

    def __enter__(self) -> "Test":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.config.mark_failed()
        self.config.cleanup()

    def one_rpc(self) -> bool:
        args = rpc.GetArgs("xxx")
        reply = rpc.GetReply()
        if not self.clnt.call(self.sn, "Server.get", args, reply):
            return False
        if reply.version != self.s.n:
            self.config.fatalf("Wrong version")
        return True


def test_basic():
    with Test(1) as ts:
        ts.one_rpc()


def test_shutdown_server():
    with Test(1) as ts:
        ts.one_rpc()
        ts.config.group(tester1.GRP0).shutdown()
        if not ts.s.killed:
            ts.config.fatalf("Not killed")
        if ts.one_rpc():
            ts.config.fatalf("RPC succeeded")


# --- beyond Go: the tester's own contracts -------------------------------------------------


def test_begin_and_end_lines_match_go(capsys):
    with Test(1) as ts:
        ts.config.begin("Test (3A): initial election")
        ts.one_rpc()
        ts.config.op()
        ts.config.end()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Test (3A): initial election (reliable network)..."
    assert out[1].startswith("  ... Passed --  time  0.")
    assert out[1].endswith("s #peers 1 #RPCs     1 #Ops    1")


def test_fatalf_reports_the_test_line(capsys):
    with pytest.raises(tester1.TestFailure, match="boom 7"):
        with Test(1) as ts:
            ts.config.fatalf("boom %d", 7)
    out = capsys.readouterr().out
    assert "Fatal: boom 7" in out and "tester_test.py:" in out
    assert "  ... Passed" not in out


def test_make_partition_as_in_go():
    with Test(5) as ts:
        g = ts.config.group(tester1.GRP0)
        assert g.make_partition(2) == ([0, 1, 3], [4, 2])
        assert g.make_partition(0) == ([1, 2, 3], [4, 0])


def test_restart_reads_what_was_saved_before_shutdown():
    with Test(1) as ts:
        g = ts.config.group(tester1.GRP0)
        g.srvs[0].saved.save(b"state-1", b"snap-1")
        old = g.srvs[0].saved
        g.shutdown_server(0)
        old.save(b"late write from the dead", None)  # must not reach the successor
        g.start_server(0)
        g.connect_one(0)
        assert g.srvs[0].saved.read_raft_state() == b"state-1"
        assert g.srvs[0].saved.read_snapshot() == b"snap-1"
        assert g.log_size() == 7 and g.snapshot_size() == 6


def test_persister_rejects_non_bytes():
    p = tester1.make_persister()
    with pytest.raises(TypeError, match="raftstate must be bytes, not str"):
        p.save("text", None)  # type: ignore[arg-type]
    p.save(b"x", None)
    assert p.read_snapshot() == b"" and p.read_raft_state() == b"x"


def test_randstring():
    s = tester1.randstring(20)
    assert len(s) == 20 and s != tester1.randstring(20)
