"""The RPC byte count fails a Raft that Go's fails: its 50000-byte slack is counted as gob counts.

The test allows servers * 50000 + 50000 = 200000 bytes for ten 5000-byte commands. A correct
Raft sends each to the two followers: 100 KB of commands, plus framing, which is ~11.6 KB in
gob and ~3 KB in labgob over the test's ~40 RPCs. A wasteful Raft here sends nine of the ten
commands once more to both followers (in an AppendEntries they refuse for its stale term):
~91 KB of waste. Go's harness fails it (about 203 KB); counting only labgob's bytes (about
194 KB) ours would pass it.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import raft1.raft
from raft1 import raft_test
from raft1.raft import AppendEntriesArgs, AppendEntriesReply, LogEntry
from raft1.raft import Raft as ReferenceRaft

EXTRA_COMMANDS = 9


class Raft(ReferenceRaft):  # labrpc names the service after the class: it must be "Raft"
    """Sends the first EXTRA_COMMANDS big commands it starts once more to every follower."""

    _copied = 0

    def start(self, command: Any) -> tuple[int, int, bool]:
        index, term, ok = super().start(command)
        if ok and isinstance(command, str) and len(command) >= 5000 and self._copied < EXTRA_COMMANDS:
            self._copied += 1
            for p, peer in enumerate(self.peers):
                if p == self.me:
                    continue
                args = AppendEntriesArgs(term=0, leader_id=self.me, prev_log_index=index - 1,
                                         entries=[LogEntry(term, command)])
                threading.Thread(target=peer.call, args=("Raft.append_entries", args, AppendEntriesReply()),
                                 daemon=True).start()
        return index, term, ok


def _plug(monkeypatch: pytest.MonkeyPatch, cls: type[ReferenceRaft]) -> None:
    def make(peers, me, persister, apply_ch):  # type: ignore[no-untyped-def]
        rf = cls(peers, me, persister, apply_ch)
        rf._start_threads()
        return rf

    monkeypatch.setattr(raft1.raft, "make", make)
    monkeypatch.setenv("VIS_ENABLE", "never")


def test_harness_rejects_raft_sending_commands_twice(monkeypatch: pytest.MonkeyPatch):
    _plug(monkeypatch, Raft)
    with pytest.raises(AssertionError, match="too many RPC bytes"):
        raft_test.test_rpc_bytes_3b()


def test_harness_accepts_raft_sending_each_command_once(monkeypatch: pytest.MonkeyPatch):
    _plug(monkeypatch, ReferenceRaft)
    raft_test.test_rpc_bytes_3b()
