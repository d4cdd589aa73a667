"""Negative tests of the harness: deliberately wrong Rafts that the Raft tester must reject.

Each wrong Raft is the reference ``raft1.raft.Raft`` with one fault (a subclass, or a
wrapper around its apply channel), plugged in by monkeypatching ``raft1.raft.make``, the
factory ``RfSrv`` calls for every server. Each runs a real test of ``raft_test.py`` where
one triggers the fault reliably (a small scenario of its own where none does), and must
fail for the right reason, well within the test's time limit; beside it, a control runs the
same scenario with a correct Raft and must pass. A fault the harness reports through
``labfatal`` (an apply error, a channel panic) is taken back with ``labfatal.take()`` once
checked, so that the negative test itself passes.

1. Apply errors are fatal at once: a restarted Raft that corrupts index 1 fails Figure 8
   within a second of its first wrong delivery, long before the test would have ended.
2. The apply channel is unbuffered: a Raft that holds its lock while it sends deadlocks
   against the 3D tester, which calls ``snapshot()`` from its apply loop.
3. Close is a close: closing the apply channel twice, or sending on it after closing it,
   is Go's panic, also when the second close happens in kill(), on the main thread during
   the tester's clean-up, which must still kill every server; and a fatal error that
   strikes while the tester restarts a server must not leave that server running.
4. A Raft that keeps delivering after ``kill()`` fails in 3D at the next snapshot point;
   the same slow delivery that stops at ``kill()`` passes.
5. Commands compare by type and value, as Go compares ``interface{}`` values.
6. Each server's applied entries must follow each other: one that skips an index fails at
   the next, though the checker records entries per applier (see ``Test.check_logs``).
7. An entry an applier had in hand when its server was restarted is checked against the
   server that read it, not the new one (Go's lookup fails a correct Raft there).
"""

from __future__ import annotations

import dataclasses
import queue
import random
import re
import threading
import time
from typing import Any, Callable

import pytest

import labfatal
import raft1.raft
import raftapi
import tester1
from raft1 import raft_test
from raft1.raft import Raft
from raft1.server import SNAPSHOT_INTERVAL
from raft1.test import make_test, same_command

# Deliberately wrong Rafts for the harness to reject: the session's detector (LABS_RACE=1) keeps out.
pytestmark = pytest.mark.labrace_exempt

# ------------------------------------------------------------------------------ plumbing


class TrackedRaft(Raft):
    """The reference Raft, remembering its applier thread and the channel it was given."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__name__ = "Raft"  # labrpc names a service after its class: peers call "Raft.*"

    def __init__(self, peers, me, persister, apply_ch) -> None:
        self.me = me  # for wrap(); Raft.__init__ sets it too
        self.real_ch: raftapi.Channel = apply_ch
        self.restarted = bool(persister.read_raft_state())  # a later incarnation of its server
        self.applier_thread: threading.Thread | None = None
        super().__init__(peers, me, persister, self.wrap(apply_ch))

    def wrap(self, apply_ch: Any) -> Any:
        """What this Raft sends on: the tester's channel, or a wrapper around it."""
        return apply_ch

    def _applier(self) -> None:
        self.applier_thread = threading.current_thread()
        self._deliver()

    def _deliver(self) -> None:
        super()._applier()


TrackedRaft.__name__ = "Raft"


def _plug_in(monkeypatch: pytest.MonkeyPatch, cls: type[TrackedRaft]) -> list[TrackedRaft]:
    """Make the harness build ``cls`` for every server; returns the instances as they are made."""
    made: list[TrackedRaft] = []

    def make(peers, me, persister, apply_ch):
        rf = cls(peers, me, persister, apply_ch)
        made.append(rf)
        rf._start_threads()
        return rf

    monkeypatch.setattr(raft1.raft, "make", make)
    return made


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIS_ENABLE", "never")  # expected failures: no timeline files


_APPLIERS = re.compile(r"^(rfsrv-\d+-applier|raft\d+-applier)$")


def _unwedge(made: list[TrackedRaft], seconds: float = 10.0) -> list[str]:
    """Let appliers that are stuck in a send (no receiver any more, or a deadlock) finish.

    A wrong Raft can be left sending on its channel to a reader that died with a fatal
    error, or holding its lock in a send that a deadlocked reader never takes. Go's test
    binary would have exited; here the test takes such a message itself once no receiver
    has waited for it for a while, so that no thread of this test lives on into the next
    one. First it kills any Raft the harness did not kill (the caller reports them); at the
    end it kills each Raft once more, as the reference does, to wake threads that a kill()
    which could not take the lock left waiting. Returns the senders it unstuck.
    """
    unstuck: list[str] = []
    for rf in made:
        if not rf.killed():  # left running by the harness (see _run): kill it as the harness should have
            try:
                rf.kill()
            except labfatal.FatalError:
                pass  # recorded: a wrong Raft's kill() may panic
    deadline = time.monotonic() + seconds
    for rf in made:
        th, ch = rf.applier_thread, rf.real_ch
        stuck_since = None
        while rf.killed() and th is not None and th.is_alive() and time.monotonic() < deadline:
            try:  # a fatal error of a dying thread may interrupt this (main) thread here
                with ch.mutex:  # a sender waits, and no receiver (read-only look at the channel)
                    waiting = bool(ch.queue) and ch._receivers == 0
                if not waiting:
                    stuck_since = None
                elif stuck_since is None:
                    stuck_since = time.monotonic()
                elif time.monotonic() - stuck_since > 0.3:
                    if not unstuck or not unstuck[-1].startswith(f"S{rf.me}"):
                        unstuck.append(f"S{rf.me}" + (" (holding its lock)" if rf.mu.locked() else ""))
                    while th.is_alive() and time.monotonic() < deadline:  # its reader is gone
                        try:
                            ch.get(timeout=0.05)
                        except (queue.Empty, raftapi.ChannelClosed):
                            pass
                time.sleep(0.01)
            except labfatal.FatalError:
                pass
        Raft.kill(rf)
    return unstuck


def _settle(before: set[threading.Thread], seconds: float = 10.0) -> list[str]:
    """Wait until the appliers this test started have ended; return (and forget) the fatal errors.

    A fatal error from another thread interrupts the main thread (labfatal), perhaps here.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:  # an interrupt ends one wait, never the whole settling: other appliers may still run
            alive = [t for t in threading.enumerate()
                     if t not in before and _APPLIERS.match(t.name) and t.is_alive()]
            if not alive:
                time.sleep(0.05)  # an interrupt following the last record lands in this try
                break
            time.sleep(0.02)
        except labfatal.FatalError:
            pass
    return labfatal.take()


class Outcome:
    """How a run of a test body ended: its exception, the fatal errors, the time it took, the
    servers whose Raft the harness had not killed, and the senders stuck once it had ended."""

    def __init__(self, exc: BaseException | None, fatal: list[str], elapsed: float, ended: float,
                 not_killed: list[int], unstuck: list[str]) -> None:
        self.exc = exc
        self.fatal = fatal
        self.elapsed = elapsed
        self.ended = ended  # time.monotonic() when the body ended
        self.not_killed = not_killed
        self.unstuck = unstuck

    def __repr__(self) -> str:
        return (f"Outcome(exc={self.exc!r}, fatal={self.fatal!r}, elapsed={self.elapsed:.1f}s, "
                f"not_killed={self.not_killed!r}, unstuck={self.unstuck!r})")


def _run(body: Callable[[], None], made: list[TrackedRaft]) -> Outcome:
    """Run a test body that is expected to fail; clean up whatever the wrong Raft left.

    It asserts that the harness killed every Raft.
    """
    before = set(threading.enumerate())
    t0 = time.monotonic()
    exc: BaseException | None = None
    try:
        body()
    except (labfatal.FatalError, tester1.TestFailure, AssertionError) as e:
        exc = e
    ended = time.monotonic()
    not_killed = [rf.me for rf in made if not rf.killed()]
    unstuck = _unwedge(made)
    out = Outcome(exc, _settle(before), ended - t0, ended, not_killed, unstuck)
    print(f"  harness verdict: {out}", flush=True)
    assert not out.not_killed, f"the harness did not kill the Raft of servers {out.not_killed}: {out}"
    return out


def _assert_all_killed(made: list[TrackedRaft]) -> None:
    alive = [f"S{rf.me}" for rf in made if not rf.killed()]
    assert not alive, f"the harness did not kill {alive}: their threads outlive the test"


# ------------------------------------------------------- 1. apply errors are fatal at once

CORRUPT_INDEX = 1  # committed by Figure 8's first one(), delivered again by every restart


class CorruptingChannel:
    """Hands the tester a different command at CORRUPT_INDEX (a wrong value from the log)."""

    def __init__(self, inner: raftapi.Channel, rf: CorruptingRaft) -> None:
        self.inner = inner
        self.rf = rf

    def put(self, msg: raftapi.ApplyMsg, *args: Any, **kwargs: Any) -> None:
        if msg.command_valid and msg.command_index == CORRUPT_INDEX:
            msg = dataclasses.replace(msg, command=msg.command + 1)
            with CorruptingRaft.lock:
                CorruptingRaft.first_corrupt = CorruptingRaft.first_corrupt or time.monotonic()
        self.inner.put(msg, *args, **kwargs)

    def close(self) -> None:
        self.inner.close()


class CorruptingRaft(TrackedRaft):
    """Once restarted from a persister that holds state, delivers index 1 with a wrong command."""

    lock = threading.Lock()
    first_corrupt = 0.0  # when a corrupted message was first offered to the tester

    def wrap(self, apply_ch: Any) -> Any:
        return CorruptingChannel(apply_ch, self) if self.restarted else apply_ch


def test_harness_rejects_corrupted_command_after_restart_figure8(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, CorruptingRaft)
    CorruptingRaft.first_corrupt = 0.0
    out = _run(raft_test.test_figure8_3c, made)
    assert isinstance(out.exc, labfatal.FatalError), out
    pattern = rf"^apply error: commit index={CORRUPT_INDEX} server=\d \d+ != server=\d \d+$"
    assert re.match(pattern, str(out.exc)), out
    assert out.fatal and re.match(pattern, out.fatal[0]), out
    _assert_all_killed(made)
    # Fatal at once: Figure 8 never calls n_committed in its loop, so an apply error that
    # only set a flag would surface at the final one(), after 1000 iterations (~30 s here).
    assert CorruptingRaft.first_corrupt, "no restarted Raft delivered index 1"
    latency = out.ended - CorruptingRaft.first_corrupt
    print(f"  figure 8 failed {out.elapsed:.1f}s after its start, "
          f"{latency * 1000:.1f} ms after the first corrupted delivery (clean-up included)")
    assert out.elapsed < 12.0, out  # the control takes about 30 s
    assert latency < 2.0, out


def test_harness_accepts_reference_raft_figure8(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control of cases 1 and 3b: the reference Raft, restarts and all."""
    made = _plug_in(monkeypatch, TrackedRaft)
    t0 = time.monotonic()
    raft_test.test_figure8_3c()
    print(f"  figure 8 with the reference Raft: {time.monotonic() - t0:.1f}s "
          f"(the natural duration case 1 compares with)")
    assert any(rf.restarted for rf in made)
    _assert_all_killed(made)


# ------------------------------------------------------ 2. the apply channel is unbuffered


class LockHoldingRaft(TrackedRaft):
    """Its applier holds ``mu`` while it sends on the apply channel.

    The 3D tester takes a message at a snapshot point and calls snapshot(), which needs
    ``mu``, before it takes the next one; the applier, holding ``mu``, waits for it to take
    the next one. In Go both block forever, and so does Start() on that peer, until
    ``go test`` times out after 10 minutes. So that the harness can report the lost
    agreement instead, start(), get_state() and kill() here give up on the lock after a
    while (the peer then says it is no leader).
    """

    LOCK_WAIT = 0.5

    def _deliver(self) -> None:
        with self.mu:
            while True:
                while not (self.killed() or self._snapshot_pending or self.last_applied < self.commit_index):
                    self._apply_cond.wait()
                if self.killed():
                    break
                if self._snapshot_pending:
                    self._snapshot_pending = False
                    msgs = [raftapi.ApplyMsg(snapshot_valid=True, snapshot=self.snapshot_data,
                                             snapshot_term=self.log[0].term, snapshot_index=self.log_base)]
                    self.last_applied = self.log_base
                else:
                    base, first = self.log_base, self.last_applied + 1
                    msgs = [raftapi.ApplyMsg(command_valid=True, command=self.log[i - base].command,
                                             command_index=i)
                            for i in range(first, self.commit_index + 1)]
                    self.last_applied = self.commit_index
                for msg in msgs:
                    if self.killed():
                        break
                    self.apply_ch.put(msg)  # the bug: mu is held while the receiver may need it
        self.apply_ch.close()

    def start(self, command: Any) -> tuple[int, int, bool]:
        if not self.mu.acquire(timeout=self.LOCK_WAIT):
            return -1, self.current_term, False
        self.mu.release()  # a race, but the reference's start() takes the lock again at once
        return super().start(command)

    def get_state(self) -> tuple[int, bool]:
        if not self.mu.acquire(timeout=self.LOCK_WAIT):
            return self.current_term, False
        try:
            return self.current_term, self.role is raft1.raft.Role.LEADER
        finally:
            self.mu.release()

    def kill(self) -> None:
        self._dead.set()
        if self.mu.acquire(timeout=self.LOCK_WAIT):
            try:
                self._apply_cond.notify_all()
                self._durable_cond.notify_all()
                for cond in self._repl_cond:
                    cond.notify_all()
            finally:
                self.mu.release()
        # else: deadlocked; _unwedge() takes the message it is sending, then kills it again


def test_harness_rejects_raft_sending_under_its_lock_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, LockHoldingRaft)
    out = _run(raft_test.test_snapshot_basic_3d, made)
    assert isinstance(out.exc, tester1.TestFailure), out
    assert re.match(r"^one\(\d+\) failed to reach agreement$", str(out.exc)), out
    assert out.elapsed < tester1.config.TEST_TIME_LIMIT, out
    assert not out.fatal, out
    assert any("holding its lock" in u for u in out.unstuck), f"no applier was deadlocked: {out}"
    _assert_all_killed(made)


def test_harness_accepts_reference_raft_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, TrackedRaft)
    raft_test.test_snapshot_basic_3d()
    _assert_all_killed(made)


# --------------------------------------------------------------- 3. close is a close


class ClosingInKillRaft(TrackedRaft):
    """kill() closes the apply channel; the reference's applier closes it again as it stops."""

    def kill(self) -> None:
        self.apply_ch.close()
        super().kill()


def test_harness_rejects_raft_closing_apply_channel_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, ClosingInKillRaft)
    out = _run(raft_test.test_basic_agree_3b, made)
    # The test body passes (its servers are killed only in its clean-up, after the Passed
    # line, as in Go); the panic is recorded, which fails the test (labfatal.plugin).
    assert out.exc is None or isinstance(out.exc, labfatal.FatalError), out
    assert out.fatal, out
    assert all(m == "panic: close of closed channel" for m in out.fatal), out
    assert len(out.fatal) == len(made), out  # one per server
    _assert_all_killed(made)


class ClosingAgainInKillRaft(TrackedRaft):
    """kill() lets the reference's applier stop and close the channel, then closes it again:
    the second close is on the thread that called kill(), the main thread at clean-up."""

    def kill(self) -> None:
        super().kill()
        if self.applier_thread is not None:
            self.applier_thread.join(2)
        self.apply_ch.close()


def test_harness_rejects_second_close_in_kill_and_still_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, ClosingAgainInKillRaft)
    out = _run(raft_test.test_basic_agree_3b, made)  # asserts that every Raft was killed
    assert out.fatal and out.fatal[0] == "panic: close of closed channel", out


class FatalWhileRestartingRaft(TrackedRaft):
    """Once restarted, fails the test from another thread while its make() is still running:
    the main thread is interrupted inside ServerGrp.start_server, before the new server's
    services are listed (any fatal error of another server can land there; this one always does)."""

    def _start_threads(self) -> None:
        super()._start_threads()
        if self.restarted:
            th = threading.Thread(target=labfatal.fatalf, args=("injected: server %d restarting", self.me))
            th.start()
            th.join()
            time.sleep(1)  # the interrupt lands here at the latest


def _restart_one() -> None:
    servers = 3
    ts = make_test(servers, True, False)
    with ts:
        tester1.annotate_test("TestFatalWhileRestarting", servers)
        ts.begin("Test: a fatal error while a server restarts")
        ts.one(101, servers, True)
        ts.g.shutdown_server(0)
        ts.restart(0)
        ts.one(102, servers, True)


def test_harness_kills_a_raft_made_while_a_fatal_error_interrupts_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, FatalWhileRestartingRaft)
    out = _run(_restart_one, made)  # asserts that every Raft was killed
    assert isinstance(out.exc, labfatal.FatalError), out
    assert out.fatal == ["injected: server 0 restarting"], out


class SendingAfterCloseRaft(TrackedRaft):
    """kill() closes the apply channel, but the applier delivers the rest of its batch.

    Deliveries are slowed a little (a service that is slow to take them), so that a batch
    is often half-delivered when Figure 8 crashes its leader.
    """

    DELAY = 0.005

    def kill(self) -> None:
        super().kill()
        self.apply_ch.close()

    def _deliver(self) -> None:
        while True:
            with self.mu:
                while not (self.killed() or self.last_applied < self.commit_index):
                    self._apply_cond.wait()
                if self.killed():
                    return  # kill() closed the channel
                base, first = self.log_base, self.last_applied + 1
                msgs = [raftapi.ApplyMsg(command_valid=True, command=self.log[i - base].command,
                                         command_index=i)
                        for i in range(first, self.commit_index + 1)]
                self.last_applied = self.commit_index
            for msg in msgs:
                time.sleep(self.DELAY)
                self.apply_ch.put(msg)  # the bug: no killed() check


def test_harness_rejects_raft_sending_after_close_figure8(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, SendingAfterCloseRaft)
    out = _run(raft_test.test_figure8_3c, made)
    assert isinstance(out.exc, labfatal.FatalError), out
    assert str(out.exc) == "panic: send on closed channel", out
    assert out.fatal and out.fatal[0] == "panic: send on closed channel", out
    assert out.elapsed < 20.0, out
    _assert_all_killed(made)


# ------------------------------------------- 4. a killed Raft must stop delivering (3D)


class SlowApplierRaft(TrackedRaft):
    """Delivers one message every DELAY seconds (a slow service), so that a backlog builds up.

    With ``check_killed`` False it drains its backlog after kill() (the bug); with True it
    checks killed() before each send, as the reference does (the control).
    """

    DELAY = 0.03
    check_killed = False

    def _deliver(self) -> None:
        while True:
            with self.mu:
                while not (self.killed() or self._snapshot_pending or self.last_applied < self.commit_index):
                    self._apply_cond.wait()
                if self.killed() and (self.check_killed or not self.last_applied < self.commit_index):
                    break
                if self._snapshot_pending and not self.killed():
                    self._snapshot_pending = False
                    msgs = [raftapi.ApplyMsg(snapshot_valid=True, snapshot=self.snapshot_data,
                                             snapshot_term=self.log[0].term, snapshot_index=self.log_base)]
                    self.last_applied = self.log_base
                else:
                    base, first = self.log_base, self.last_applied + 1
                    msgs = [raftapi.ApplyMsg(command_valid=True, command=self.log[i - base].command,
                                             command_index=i)
                            for i in range(first, self.commit_index + 1)]
                    self.last_applied = self.commit_index
            for msg in msgs:
                time.sleep(self.DELAY)
                if self.check_killed and self.killed():
                    break
                self.apply_ch.put(msg)
        self.apply_ch.close()


class StoppingSlowApplierRaft(SlowApplierRaft):
    check_killed = True


def _backlog_at_kill_scenario(phase: list[str]) -> None:
    """Shut a follower down while it has 2.5 snapshot intervals of committed entries to deliver.

    No test of raft_test.py kills a server that is behind: each one() before a crash waits
    for every live server to deliver the index it checks, so nothing is left to deliver.
    """
    servers = 3
    backlog = SNAPSHOT_INTERVAL * 5 // 2
    ts = make_test(servers, True, True)
    with ts:
        tester1.annotate_test("TestDeliverAfterKill", servers)
        ts.begin("Test: shut down a server with a backlog of committed entries")
        ts.one(random.getrandbits(63), servers, True)

        for attempt in range(3):
            leader = ts.check_one_leader()
            victim = (leader + 1) % servers
            phase.append(f"backlog (attempt {attempt})")
            last, ok = -1, True
            for _ in range(backlog):
                last, _, ok = ts.srvs[leader].get_raft().start(random.getrandbits(63))
                if not ok:
                    break
            rf_victim = ts.srvs[victim].get_raft()
            deadline = time.monotonic() + 3
            while ok and rf_victim.commit_index < last and time.monotonic() < deadline:
                time.sleep(0.005)  # committed there, but far from delivered
            if ok and rf_victim.commit_index >= last:
                break
            # The leader lost its leadership: its successor commits those entries only with
            # one of its own term. Let every server catch up, and try again.
            ts.one(random.getrandbits(63), servers, True)
        else:
            raise AssertionError(f"no stable leader to build a backlog with: {phase}")
        behind = last - ts.srvs[victim].last_applied
        assert behind >= 2 * SNAPSHOT_INTERVAL, f"only {behind} entries behind"

        phase.append(f"shut down server {victim}, {behind} entries behind")
        ts.g.shutdown_server(victim)
        time.sleep(behind * SlowApplierRaft.DELAY + 0.5)  # all of it, had it kept delivering

        phase.append("restart")
        ts.restart(victim)
        ts.one(random.getrandbits(63), servers, True)
        phase.append("passed")


def test_harness_rejects_raft_delivering_after_kill_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, SlowApplierRaft)
    phase: list[str] = []
    out = _run(lambda: _backlog_at_kill_scenario(phase), made)
    print(f"  phases: {phase}")
    pattern = (r"^apply error: server \d delivered index \d+ on applyCh after Kill\(\): "
               r"a killed Raft must stop delivering$")
    assert isinstance(out.exc, labfatal.FatalError), (out, phase)
    assert re.match(pattern, str(out.exc)), out
    assert out.fatal and re.match(pattern, out.fatal[0]), out
    assert phase[-1].startswith("shut down"), phase
    _assert_all_killed(made)


def test_harness_accepts_slow_raft_that_stops_at_kill_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, StoppingSlowApplierRaft)
    phase: list[str] = []
    try:
        _backlog_at_kill_scenario(phase)
    finally:
        print(f"  phases: {phase}")
    assert phase[-1] == "passed"
    _assert_all_killed(made)


# ---------------------------------------------- 5. commands compare by type and value


class ConvertingChannel:
    """Hands the tester ``convert(command)`` instead of the command (of an equal value in Python)."""

    def __init__(self, inner: raftapi.Channel, convert: Callable[[Any], Any]) -> None:
        self.inner = inner
        self.convert = convert

    def put(self, msg: raftapi.ApplyMsg, *args: Any, **kwargs: Any) -> None:
        if msg.command_valid:
            msg = dataclasses.replace(msg, command=self.convert(msg.command))
        self.inner.put(msg, *args, **kwargs)

    def close(self) -> None:
        self.inner.close()


def _int_to_float(cmd: Any) -> Any:
    return float(cmd) if type(cmd) is int else cmd


def _one_to_true(cmd: Any) -> Any:
    return True if type(cmd) is int and cmd == 1 else cmd


class FloatRaft(TrackedRaft):
    """Converts int commands to float on the way out: 100 becomes 100.0 (== 100 in Python)."""

    only_server: int | None = None  # convert on this server only, or on all

    def wrap(self, apply_ch: Any) -> Any:
        if self.only_server is None or self.me == self.only_server:
            return ConvertingChannel(apply_ch, _int_to_float)
        return apply_ch


class FloatOnServerZeroRaft(FloatRaft):
    only_server = 0


class TrueForOneRaft(TrackedRaft):
    """Delivers True for the command 1 (True == 1 in Python)."""

    def wrap(self, apply_ch: Any) -> Any:
        return ConvertingChannel(apply_ch, _one_to_true)


def test_harness_rejects_raft_delivering_float_for_int(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, FloatRaft)
    out = _run(raft_test.test_basic_agree_3b, made)
    # Every server delivers 100.0: they agree with each other, but not with what was started.
    assert isinstance(out.exc, tester1.TestFailure), out
    assert str(out.exc) == "one(100) failed to reach agreement", out
    assert not out.fatal, out
    _assert_all_killed(made)


def test_harness_rejects_one_server_delivering_float_for_int(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, FloatOnServerZeroRaft)
    out = _run(raft_test.test_basic_agree_3b, made)
    # Server 0 disagrees with the others on index 1: an apply error, fatal at once.
    # Go's %v prints the float 100.0 as 100, so the message shows two equal-looking values
    # (as Go's does); the mismatch is of type (tester1.same_command).
    pattern = r"^apply error: commit index=1 server=\d 100 != server=\d 100$"
    assert isinstance(out.exc, labfatal.FatalError), out
    assert re.match(pattern, str(out.exc)), out
    assert out.fatal and re.match(pattern, out.fatal[0]), out
    _assert_all_killed(made)


def test_harness_accepts_reference_raft_basic_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control of cases 3a and 5: the reference Raft on the same 3B test."""
    made = _plug_in(monkeypatch, TrackedRaft)
    raft_test.test_basic_agree_3b()
    _assert_all_killed(made)


def _agree_on_one() -> None:
    """one(1) through the 3B harness: no test of raft_test.py checks what a 1 comes back as."""
    servers = 3
    ts = make_test(servers, True, False)
    with ts:
        tester1.annotate_test("TestAgreeOnOne", servers)
        ts.begin("Test: agreement on the command 1")
        index = ts.one(1, servers, False)
        assert index == 1, f"got index {index} but expected 1"


def test_harness_rejects_raft_delivering_true_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, TrueForOneRaft)
    out = _run(_agree_on_one, made)
    assert isinstance(out.exc, tester1.TestFailure), out
    assert str(out.exc) == "one(1) failed to reach agreement", out
    assert not out.fatal, out
    _assert_all_killed(made)


def test_harness_accepts_reference_raft_agreeing_on_one(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, TrackedRaft)
    _agree_on_one()
    _assert_all_killed(made)


def test_same_command_compares_type_and_value() -> None:
    # Python's == makes these one value; Go's interface comparison does not.
    assert True == 1 and 1 == 1.0 and [1] == [True]  # noqa: E712
    assert not same_command(True, 1)
    assert not same_command(1, True)
    assert not same_command(1, 1.0)
    assert not same_command(1.0, 1)
    assert not same_command([1], [True])
    assert not same_command([1], (1,))
    assert not same_command({"k": 1}, {"k": 1.0})
    assert not same_command([1, 2], [1])
    assert not same_command(None, 0)
    # Equal values of one type are the same command.
    assert same_command(1, 1)
    assert same_command(True, True)
    assert same_command(1.5, 1.5)
    assert same_command("x", "x")
    assert same_command(None, None)
    assert same_command([1, [2, "a"]], [1, [2, "a"]])
    assert same_command({"k": [1]}, {"k": [1]})
    assert same_command(2**63 - 1, 2**63 - 1)


# ------------------------------------------------- 6. a skipped index is out of order

SKIPPED_INDEX = 2


class SkippingChannel:
    """Drops the ApplyMsg of SKIPPED_INDEX: the server applies 1, 3, 4, ..."""

    def __init__(self, inner: raftapi.Channel) -> None:
        self.inner = inner

    def put(self, msg: raftapi.ApplyMsg, *args: Any, **kwargs: Any) -> None:
        if msg.command_valid and msg.command_index == SKIPPED_INDEX:
            return
        self.inner.put(msg, *args, **kwargs)

    def close(self) -> None:
        self.inner.close()


class SkipsIndexTwoOnServerZeroRaft(TrackedRaft):
    """Server 0 never delivers index 2; the others are correct."""

    def wrap(self, apply_ch: Any) -> Any:
        return SkippingChannel(apply_ch) if self.me == 0 else apply_ch


def test_harness_rejects_a_server_that_skips_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, SkipsIndexTwoOnServerZeroRaft)
    out = _run(raft_test.test_concurrent_starts_3b, made)
    expected = f"apply error: server 0 apply out of order {SKIPPED_INDEX + 1}"
    assert isinstance(out.exc, labfatal.FatalError), out
    assert str(out.exc) == expected, out
    assert out.fatal and out.fatal[0] == expected, out
    _assert_all_killed(made)


def test_harness_accepts_reference_raft_concurrent_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _plug_in(monkeypatch, TrackedRaft)
    raft_test.test_concurrent_starts_3b()
    _assert_all_killed(made)


# ------------------------------------- 7. an entry in hand when its server is restarted


def test_entry_in_hand_at_restart_is_checked_against_its_own_server() -> None:
    """An applier that took an entry before its server's crash records it after the restart.

    Go's checkLogs records it into ``srvs[i]``, by then the new, empty server, and reports
    "apply out of order" against a correct Raft (simulation found this in Figure 8, 3C).
    The entry belongs to the server whose applier read it: its predecessor is there.
    Reverting ``check_logs`` to Go's lookup makes this test fail.
    """
    ts = make_test(3, True, False)
    with ts:
        ts.begin("harness: an entry in hand at restart")
        first = ts.one(101, 3, False)
        ts.one(102, 3, False)
        old = ts.srvs[0]
        ts.g.shutdown_server(0)
        ts.restart(0)
        new = ts.srvs[0]
        assert new is not old
        late = raftapi.ApplyMsg(command_valid=True, command=103, command_index=first + 2)
        err, prev_ok = ts.check_logs(0, late, old)
        assert (err, prev_ok) == ("", True)
        assert old.log_at(first + 2) == (103, True)
        assert new.log_at(first + 2) == (None, False)  # the new server's copy is its own
        conflicting = raftapi.ApplyMsg(command_valid=True, command=999, command_index=first + 1)
        err, _ = ts.check_logs(0, conflicting, old)  # still compared with every live server
        assert err.startswith(f"commit index={first + 1} server=0 999 != server="), err
