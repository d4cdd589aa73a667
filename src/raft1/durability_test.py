"""Raft on a slow disk: replies wait for durability, the lock and the heartbeats do not.

Beyond Go's tests: with a persister that writes in the background (the disk
persister does), a reply that promises something (a vote, an accepted append)
must not leave before the state behind it is durable, and a leader may count
its own log towards a majority only as far as it is durable. A gated persister
makes "durable" a switch the test controls.
"""

from __future__ import annotations

import queue
import threading
import time

import pytest

import labgob
import raft1.raft
from labrpc import Network, Server, Service
from raftapi import Channel
from raft1.raft import (
    AppendEntriesArgs, AppendEntriesReply, LogEntry, Raft, RequestVoteArgs, RequestVoteReply, make,
)
from tester1.persister import Persister


class GatedPersister(Persister):
    """A memory persister whose saves become durable only while its gate is open."""

    writes_in_background = True

    def __init__(self, open_: bool = True) -> None:
        super().__init__()
        self._durable = 0
        self._open = open_
        self._cond = threading.Condition()
        self.waits = 0  # calls of wait_durable that had to block

    def save_async(self, raftstate: bytes, snapshot: bytes | None, snapshot_index: int = -1,
                   snapshot_term: int = -1) -> int:
        gen = super().save_async(raftstate, snapshot)
        with self._cond:
            if self._open:
                self._durable = gen
                self._cond.notify_all()
        return gen

    def wait_durable(self, gen: int) -> None:
        with self._cond:
            if self._durable < gen:
                self.waits += 1
            while self._durable < gen:
                self._cond.wait()

    def durable_generation(self) -> int:
        with self._cond:
            return self._durable

    def set_open(self, open_: bool) -> None:
        with self._cond:
            self._open = open_
            if open_:
                self._durable = self._gen
                self._cond.notify_all()


@pytest.fixture
def no_elections(monkeypatch):
    """Keep a lonely peer from standing for election (and moving its term) during a test."""
    monkeypatch.setattr(raft1.raft, "ELECTION_TIMEOUT", (60.0, 61.0))


def _lonely_raft(persister: Persister) -> Raft:
    """Peer 0 of three whose peers never answer."""
    net = Network()
    ends = [net.make_end(f"end-{i}") for i in range(3)]
    rf = make(ends, 0, persister, Channel())
    return rf


def _call_in_thread(fn, args, reply) -> threading.Thread:
    t = threading.Thread(target=fn, args=(args, reply), daemon=True)
    t.start()
    return t


def _decoded_state(persister: Persister) -> tuple[int, int | None, list[int]]:
    d = labgob.LabDecoder(persister.read_raft_state())
    term, voted_for, _base, terms = d.decode(), d.decode(), d.decode(), d.decode()
    return term, voted_for, terms


def test_vote_is_not_granted_before_it_is_durable(no_elections):
    persister = GatedPersister(open_=False)
    rf = _lonely_raft(persister)
    try:
        reply = RequestVoteReply()
        t = _call_in_thread(rf.request_vote, RequestVoteArgs(50, 1, 0, 0), reply)
        t.join(0.5)
        assert t.is_alive(), "the vote reply left before the vote was durable"
        assert _decoded_state(persister)[:2] == (50, 1)  # handed to the persister, not yet on disk
        with rf.mu:  # and the lock was not held while waiting
            pass
        persister.set_open(True)
        t.join(2)
        assert not t.is_alive() and reply.vote_granted and reply.term == 50
    finally:
        rf.kill()
        persister.set_open(True)


def test_append_success_is_not_sent_before_the_entries_are_durable(no_elections):
    persister = GatedPersister(open_=False)
    rf = _lonely_raft(persister)
    try:
        reply = AppendEntriesReply()
        args = AppendEntriesArgs(60, 2, 0, 0, [LogEntry(60, "x"), LogEntry(60, "y")], 0)
        t = _call_in_thread(rf.append_entries, args, reply)
        t.join(0.5)
        assert t.is_alive(), "AppendEntries succeeded before its entries were durable"
        persister.set_open(True)
        t.join(2)
        assert not t.is_alive() and reply.success
        assert _decoded_state(persister)[2] == [0, 60, 60]
        # A heartbeat that changes nothing on a durable log does not wait.
        waits = persister.waits
        reply = AppendEntriesReply()
        rf.append_entries(AppendEntriesArgs(60, 2, 2, 60, [], 0), reply)
        assert reply.success and persister.waits == waits
    finally:
        rf.kill()
        persister.set_open(True)


def _cluster(persisters: list[Persister]) -> tuple[Network, list[Raft], list[Channel]]:
    net = Network()
    n = len(persisters)
    rafts: list[Raft] = []
    chans: list[Channel] = []
    for i in range(n):
        ends = []
        for j in range(n):
            name = f"{i}->{j}"
            ends.append(net.make_end(name))
            net.connect(name, j)
            net.enable(name, True)
        chans.append(Channel())
        rafts.append(make(ends, i, persisters[i], chans[i]))
        server = Server()
        server.add_service(Service(rafts[i]))
        net.add_server(i, server)
    return net, rafts, chans


def _wait_for_leader(rafts: list[Raft], timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, rf in enumerate(rafts):
            if rf.get_state()[1]:
                return i
        time.sleep(0.05)
    raise AssertionError("no leader elected")


def _applied(ch: Channel, command: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = ch.get(timeout=left)
        except queue.Empty:
            return False
        if getattr(msg, "command_valid", False) and msg.command == command:
            return True
    return False


def test_leader_counts_itself_only_once_its_log_is_durable():
    persisters = [GatedPersister() for _ in range(3)]
    net, rafts, chans = _cluster(persisters)
    try:
        leader = _wait_for_leader(rafts)
        follower, other = [i for i in range(3) if i != leader]
        # The leader's disk and one follower's stall: only one server holds the entry durably.
        persisters[leader].set_open(False)
        persisters[follower].set_open(False)
        index, term, ok = rafts[leader].start("cmd")
        assert ok
        assert not _applied(chans[leader], "cmd", 1.0), "committed with a majority that was not durable"
        assert rafts[leader].get_state() == (term, True), "a stalled disk cost the leader its leadership"
        # Once the leader's own write lands, it and `other` are a durable majority.
        persisters[leader].set_open(True)
        assert _applied(chans[leader], "cmd", 2.0), "not committed after the leader's log became durable"
    finally:
        for p in persisters:
            p.set_open(True)
        for rf in rafts:
            rf.kill()
        net.cleanup()
