"""Negative tests of the race detector on Raft: wrong Rafts that LABS_RACE=1 must report.

Each is the reference Raft with one locking fault, plugged into a real test of
``raft_test.py`` with the detector installed on the labs (and on this file, whose subclasses
count as the student's code). The test body may well pass, as it would under Go without
``-race``: the report is what must appear, naming the field, call or locks, and where.
Beside them, the reference on the same tests reports nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

import labrace
import raft1.raft
from raft1 import raft_test
from raft1.raft import Raft, RequestVoteReply, Role

# Deliberately wrong code, judged here by hand: the session's detector (LABS_RACE=1) keeps out.
pytestmark = pytest.mark.labrace_exempt


@pytest.fixture(autouse=True)
def detector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VIS_ENABLE", "never")
    with labrace.watching({**labrace.WATCHED, __name__: ()}):
        yield


def plug_in(monkeypatch: pytest.MonkeyPatch, cls: type[Raft]) -> None:
    def make(peers: Any, me: int, persister: Any, apply_ch: Any) -> Raft:
        rf = cls(peers, me, persister, apply_ch)
        rf._start_threads()
        return rf

    cls.__name__ = "Raft"  # labrpc names a service after its class: peers call "Raft.*"
    monkeypatch.setattr(raft1.raft, "make", make)


def reports_of(kind: str) -> list[str]:
    found = labrace.take()
    texts = [r.format() for r in found]
    assert found and all(r.kind == kind for r in found), texts
    return texts


class UnlockedGetStateRaft(Raft):
    """get_state() reads the term and role without the lock (passes 3A under the GIL)."""

    def get_state(self) -> tuple[int, bool]:
        return self.current_term, self.role is Role.LEADER


def test_race_detector_reports_get_state_without_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    plug_in(monkeypatch, UnlockedGetStateRaft)
    raft_test.test_initial_election_3a()
    texts = reports_of("WARNING: DATA RACE")
    assert any("at UnlockedGetStateRaft.current_term by thread MainThread, holding no lock:\n  get_state()" in t
               or "at UnlockedGetStateRaft.role by thread MainThread, holding no lock:\n  get_state()" in t
               for t in texts), texts


class SendUnderLockRaft(Raft):
    """Delivers on the apply channel while holding its lock."""

    def _applier(self) -> None:
        while not self.killed():
            with self.mu:
                while not (self.killed() or self.last_applied < self.commit_index):
                    self._apply_cond.wait()
                while self.last_applied < self.commit_index and not self.killed():
                    self.last_applied += 1
                    entry = self.log[self.last_applied - self.log_base]
                    self.apply_ch.put(raft1.raft.ApplyMsg(command_valid=True, command=entry.command,
                                                          command_index=self.last_applied))
        self.apply_ch.close()


def test_race_detector_reports_sending_on_the_apply_channel_under_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    plug_in(monkeypatch, SendUnderLockRaft)
    raft_test.test_basic_agree_3b()
    texts = reports_of("WARNING: BLOCKING WHILE HOLDING A LOCK")
    assert all("send on the apply channel while holding SendUnderLockRaft.mu" in t for t in texts), texts
    assert all("Raft.mu acquired at:\n  _applier()\n" in t for t in texts), texts


class VoteUnderLockRaft(Raft):
    """Holds its lock across the RequestVote RPC."""

    def _ask_vote(self, peer: int, args: Any) -> None:
        with self.mu:
            self.peers[peer].call("Raft.request_vote", args, RequestVoteReply())
        super()._ask_vote(peer, args)


def test_race_detector_reports_an_rpc_under_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    plug_in(monkeypatch, VoteUnderLockRaft)
    raft_test.test_initial_election_3a()
    texts = reports_of("WARNING: BLOCKING WHILE HOLDING A LOCK")
    assert all("labrpc call Raft.request_vote while holding VoteUnderLockRaft.mu" in t for t in texts), texts


class TwoLocksRaft(Raft):
    """A second lock, taken inside the first by the ticker's elections and outside it by get_state."""

    def __init__(self, *args: Any) -> None:
        self.stats_mu = threading.Lock()
        self.elections = 0
        super().__init__(*args)

    def _start_election(self) -> Any:
        with self.stats_mu:  # called with self.mu held
            self.elections += 1
        return super()._start_election()

    def get_state(self) -> tuple[int, bool]:
        with self.stats_mu:
            with self.mu:
                return self.current_term, self.role is Role.LEADER


def test_race_detector_reports_a_lock_order_cycle_that_did_not_deadlock(monkeypatch: pytest.MonkeyPatch) -> None:
    plug_in(monkeypatch, TwoLocksRaft)
    raft_test.test_initial_election_3a()  # passes: the two orders never met at the same time
    texts = reports_of("WARNING: LOCK ORDER INVERSION")
    assert any("TwoLocksRaft.stats_mu" in t and "TwoLocksRaft.mu" in t and "get_state()" in t
               and "_start_election()" in t for t in texts), texts


@pytest.mark.parametrize("test", [raft_test.test_initial_election_3a, raft_test.test_basic_agree_3b])
def test_race_detector_accepts_the_reference(monkeypatch: pytest.MonkeyPatch, test: Any) -> None:
    plug_in(monkeypatch, Raft)
    test()
    assert labrace.take() == []
