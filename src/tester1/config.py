"""A test's world: the network, its server groups and clients, and the Begin/Passed lines
(Go: tester1/config.go)."""

from __future__ import annotations

import os
import random
import sys
import threading
import time
import traceback
from typing import Any, NoReturn

import labfatal
import labrpc
from tester1 import annotation
from pathlib import Path

from tester1 import disk_persister
from tester1.clnts import Clnt, Clnts
from tester1.group import FStartServer, Groups, ServerGrp
from tester1.persister import Persister, make_persister
from tester1.util import GRP0, Tgid, server_name

TEST_TIME_LIMIT = 120.0  # seconds, from make_config to the end of the test (Go: 120 * time.Second)

_once = threading.Lock()
_first = True


class TestFailure(AssertionError):
    """Raised by Config.fatalf (Go: t.FailNow after Fatalf)."""


def _first_time_setup() -> None:
    global _first
    with _once:
        if not _first:
            return
        _first = False
        if (os.cpu_count() or 1) < 2:
            print("warning: only one CPU, which may conceal locking bugs")
        random.seed(int.from_bytes(os.urandom(8), "big"))


class Config:
    """Go's Config embeds Clnts and Groups; here they are attributes with forwarding methods."""

    __test__ = False  # not a pytest test class

    def __init__(self, n: int, reliable: bool, mks: FStartServer) -> None:
        _first_time_setup()
        self.net = labrpc.Network()
        self.persist_dir: Path | None = disk_persister.new_test_folder() if disk_persister.disk_mode() else None
        self.groups = Groups(self.net, self._new_persister)
        self.make_group_start(GRP0, n, mks)
        self.clnts = Clnts(self.net)
        self._failed = False
        self._ops_lock = threading.Lock()
        self._ops = 0
        self._start = time.monotonic()  # when make_config() was called
        self._t0 = self._start  # when the test called begin()
        self._rpcs0 = 0
        self.net.reliable(reliable)

    # --- failure state (Go: t.Failed) ---------------------------------------------------

    @property
    def failed(self) -> bool:
        """Whether the test failed: by fatalf, mark_failed, or a fatal error in any thread."""
        return self._failed or bool(labfatal.recorded())

    def mark_failed(self) -> None:
        self._failed = True

    def fatalf(self, fmt: str, *args: Any) -> NoReturn:
        """Print the failure and the test-file lines that led to it, then fail the test."""
        # Go's verb %v has no Python twin; %s prints the same for the values tests pass.
        msg = fmt.replace("%v", "%s") % args if args else fmt
        lines = [f"Fatal: {msg}"]
        for frame in reversed(traceback.extract_stack()[:-1]):  # innermost first, as Go
            if frame.filename.endswith("test.py"):
                lines.append(f"        {frame.filename}:{frame.lineno}")
        print("\n".join(lines), flush=True)
        self._failed = True
        raise TestFailure(msg)

    def check_timeout(self) -> None:
        # Only on the test thread, as Go's t.Fatal: a background thread cannot fail a test.
        if not self._failed and time.monotonic() - self._start > TEST_TIME_LIMIT:
            self._failed = True
            raise TestFailure(f"test took longer than {TEST_TIME_LIMIT:.0f} seconds")

    def _new_persister(self, gid: Tgid, i: int) -> Persister:
        if self.persist_dir is None:
            return make_persister()
        return disk_persister.DiskPersister.open(self.persist_dir / server_name(gid, i) / "inc-1")

    # --- the network ----------------------------------------------------------------------

    def set_reliable(self, reliable: bool) -> None:
        self.net.reliable(reliable)

    def is_reliable(self) -> bool:
        return self.net.is_reliable()

    def set_long_reordering(self, longrel: bool) -> None:
        self.net.long_reordering(longrel)

    def set_long_delays(self, longdel: bool) -> None:
        self.net.long_delays(longdel)

    def rpc_total(self) -> int:
        return self.net.get_total_count()

    def bytes_total(self) -> int:
        return self.net.get_total_bytes()

    # --- groups and clients ----------------------------------------------------------------

    def group(self, gid: Tgid) -> ServerGrp:
        return self.groups.lookup_group(gid)

    def make_group(self, gid: Tgid, nsrv: int, mks: FStartServer) -> None:
        self.groups.make_group(gid, nsrv, mks)

    def make_group_start(self, gid: Tgid, nsrv: int, mks: FStartServer) -> None:
        self.make_group(gid, nsrv, mks)
        self.group(gid).start_servers()

    def exit_group(self, gid: Tgid) -> None:
        self.group(gid).shutdown()
        self.groups.delete(gid)

    def make_client(self) -> Clnt:
        return self.clnts.make_client()

    def make_client_to(self, srvs: list[str]) -> Clnt:
        return self.clnts.make_client_to(srvs)

    def delete_client(self, clnt: Clnt) -> None:
        self.clnts.delete_client(clnt)

    def cleanup(self) -> None:
        # A fatal error in a dying server's thread is recorded (and fails the test), but does
        # not interrupt the shutdown half-way, which would leave threads and files behind.
        with labfatal.deferred():
            self._shut_down()
        self.check_timeout()

    def _shut_down(self) -> None:
        self.clnts.cleanup()
        try:
            self.groups.cleanup()
        except labfatal.FatalError:
            pass  # recorded, so the test fails; the network and the files are still cleaned up
        self.net.cleanup()
        if self.failed:
            annotation.cleanup(True, "test failed")
        else:
            annotation.cleanup(False, "test passed")
        if self.persist_dir is not None:
            disk_persister.close_under(self.persist_dir)  # killed servers may still be saving
            if self.failed:
                print(f"info: persisted files kept in {self.persist_dir}", flush=True)
            else:
                disk_persister.remove_tree(self.persist_dir)

    # --- the progress lines ------------------------------------------------------------------

    def begin(self, description: str) -> None:
        rel = "reliable" if self.net.is_reliable() else "unreliable"
        print(f"{description} ({rel} network)...", flush=True)
        self._t0 = time.monotonic()
        self._rpcs0 = self.rpc_total()
        with self._ops_lock:
            self._ops = 0

    def op(self) -> None:
        """Count one clerk Get/Put (the logged kvtest wrappers call this)."""
        with self._ops_lock:
            self._ops += 1

    def end(self) -> None:
        self.check_timeout()
        if not self.failed:
            t = time.monotonic() - self._t0  # real time
            npeers = self.group(GRP0).n()  # number of Raft peers
            nrpc = self.rpc_total() - self._rpcs0  # number of RPC sends
            with self._ops_lock:
                ops = self._ops  # number of clerk get/put calls
            sys.stdout.write("  ... Passed --")
            sys.stdout.write(f"  time {t:4.1f}s #peers {npeers} #RPCs {nrpc:5d} #Ops {ops:4d}\n")
            sys.stdout.flush()


def make_config(n: int, reliable: bool, mks: FStartServer) -> Config:
    """Start a group of n servers (connected) and set the network's reliability (Go: MakeConfig)."""
    return Config(n, reliable, mks)
