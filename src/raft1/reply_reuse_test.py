"""Negative tests of the harness: a Raft that reuses its RequestVote reply must fail.

labgob decodes a reply as gob does: a field the handler left at its zero value is
not transmitted, so the caller's reply object keeps what it held. A Raft that sends
every RequestVote with ONE reply object therefore sees ``vote_granted=True`` from
the first vote it ever got in every later reply that grants nothing, and counts
refusals as votes. In Go this breaks (and labgob warns); here it must break too.

The scenario makes the refusal certain instead of waiting for a chance split vote.
Three peers; once the two followers X and Y have both won an election (so both
reuse a reply that holds True), the leader V's heartbeats are cut off and X and Y
are cut off from each other, while both can still ask V for its vote. Both time out
in V's term and stand in the same next term; V votes for the first and refuses the
second, which, counting the refusal, leads too. X and Y cannot hear each other, so
the two leaders of one term stay, and check_one_leader reports them. With a fresh
reply per call the second candidate loses, stands again a term later, and wins.
"""

from __future__ import annotations

import time

import pytest

import labgob
import raft1.raft
import tester1
from raft1.raft import Raft, RequestVoteReply, Role
from raft1.test import RAFT_ELECTION_TIMEOUT, make_test


class ReplyReusingRaft(Raft):
    """The reference Raft, but its vote requests all decode into one reply object.

    With ``fresh=True`` it allocates a reply per call, as it should: the control.
    """

    fresh = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.vote_reply = RequestVoteReply()  # a student's "allocate once, reuse"

    def _ask_vote(self, peer: int, args) -> None:
        reply = RequestVoteReply() if self.fresh else self.vote_reply
        if not self.peers[peer].call("Raft.request_vote", args, reply):
            return
        with self.mu:  # from here on as the reference Raft's _ask_vote
            if reply.term > self.current_term:
                self._become_follower(reply.term)
                self._persist()
                return
            if self.role is not Role.CANDIDATE or self.current_term != args.term:
                return
            if reply.vote_granted:
                self.votes += 1
                if self.votes * 2 > len(self.peers):
                    self._become_leader()


# labrpc names a service after its receiver's class: peers call "Raft.request_vote".
ReplyReusingRaft.__name__ = "Raft"


def _plug_in(monkeypatch: pytest.MonkeyPatch, fresh: bool) -> None:
    """Make the harness build a ReplyReusingRaft (RfSrv calls raft1.raft.make for every server)."""

    def make(peers, me, persister, apply_ch):
        rf = ReplyReusingRaft(peers, me, persister, apply_ch)
        rf.fresh = fresh
        rf._start_threads()
        return rf

    monkeypatch.setattr(raft1.raft, "make", make)


def _split_vote_scenario(phase: list[str]) -> None:
    """The scenario of the module docstring, through the 3A harness; ``phase`` says how far it got."""
    servers = 3
    ts = make_test(servers, True, False)
    with ts:
        tester1.annotate_test("TestReusedVoteReply", servers)
        ts.begin("Test: split vote with a reused RequestVote reply")

        # Rotate leadership until both non-leaders have won an election once.
        phase.append("rotate")
        leader = ts.check_one_leader()
        led = {leader}
        for _ in range(20):
            if all(i in led for i in range(servers) if i != leader):
                break
            ts.g.disconnect_all(leader)
            led.add(ts.check_one_leader())
            ts.g.connect_one(leader)
            leader = ts.check_one_leader()
            led.add(leader)
        else:
            raise AssertionError(f"could not make each follower win an election (led: {sorted(led)})")
        term = ts.check_terms()
        v = leader
        x, y = (i for i in range(servers) if i != v)

        # Silence V (its outgoing ends) and cut X from Y; X and Y can still call V.
        phase.append(f"split: leader {v} in term {term} silenced, {x} and {y} cut apart")
        net, srvs = ts.g.net, ts.g.srvs
        cut = [srvs[v].end_names[x], srvs[v].end_names[y], srvs[x].end_names[y], srvs[y].end_names[x]]
        for name in cut:
            net.enable(name, False)
        time.sleep(2 * RAFT_ELECTION_TIMEOUT)  # both time out and stand, more than once if refused
        ts.check_one_leader()  # the harness sees every server as connected: two leaders of a term fail

        phase.append("heal")
        for name in cut:
            net.enable(name, True)
        ts.check_one_leader()
        phase.append("passed")


def test_harness_rejects_raft_reusing_vote_reply(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _plug_in(monkeypatch, fresh=False)
    monkeypatch.setenv("VIS_ENABLE", "never")  # an expected failure: no timeline file
    errors0 = labgob.error_count()
    phase: list[str] = []
    with pytest.raises(tester1.TestFailure, match=r"^term \d+ has 2 \(>1\) leaders$"):
        _split_vote_scenario(phase)
    out = capsys.readouterr().out
    fatal = [line for line in out.splitlines() if line.startswith("Fatal: ")]
    with capsys.disabled():
        print(out, end="")
        print(f"  rejected in phase {phase[-1]!r}: {fatal}")
    assert fatal and "leaders" in fatal[0]
    assert phase[-1].startswith("split"), "rejected, but not by the split vote the reuse turns into two leaders"
    assert labgob.error_count() > errors0, "decoding into the reused reply was not counted"


def test_harness_accepts_same_raft_with_fresh_vote_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    _plug_in(monkeypatch, fresh=True)
    errors0 = labgob.error_count()
    phase: list[str] = []
    _split_vote_scenario(phase)
    assert phase[-1] == "passed"
    assert labgob.error_count() == errors0, "a fresh reply per call must not be warned about"
