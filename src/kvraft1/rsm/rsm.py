# skeleton: """Lab 4A: a replicated state machine on top of Raft (Go: kvraft1/rsm/rsm.go).
# skeleton:
# skeleton: A server (the KV server of 4B, or the tests' counter) hands each request to ``submit``,
# skeleton: which puts it in the Raft log and returns the state machine's answer once Raft has
# skeleton: committed it and the RSM has applied it. Every replica applies the same requests in
# skeleton: the same order, by calling ``sm.do_op`` on each committed entry.
# skeleton: """
# solution begin
"""Lab 4A: a replicated state machine on top of Raft (Go: kvraft1/rsm/rsm.go).

A server hands each request to ``submit``, which proposes it to Raft wrapped in an
Op carrying a unique id, and waits until Raft applies the entry at the index Raft
gave it. If the entry applied there is ours, the state machine's answer goes back
to the caller; if another entry took that index, or this server stopped being the
leader of the term in which it proposed, the caller hears ErrWrongLeader and tries
another server. A leader cut off in a minority keeps waiting: it cannot know its
entry will never commit, and giving up early would turn a slow network into
spurious errors.

One reader thread applies committed entries to the state machine, in log order,
and snapshots when Raft's persisted state grows past ``maxraftstate`` bytes.
"""
# solution end

from __future__ import annotations

# solution begin
import random
# solution end
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import labgob
import raftapi
from kvsrv1 import rpc
from labrpc import ClientEnd
from raft1 import raft as raft1
from tester1 import Persister

# solution begin
# How often a waiting submit checks that its leader still leads the same term.
LEADERSHIP_CHECK_INTERVAL = 0.05  # seconds
# solution end

use_raft_state_machine = False  # Go's hook "to plug in another raft besides raft1"; unused


@labgob.register
@dataclass
class Op:
    """What goes into the Raft log. Give every field a default (labgob decodes into an empty Op)."""

    # skeleton: # Your definitions here.
    # skeleton: pass
    # solution begin
    me: int = 0
    id: int = 0
    req: Any = None
    # solution end


class StateMachine(Protocol):
    def do_op(self, req: Any) -> Any: ...

    def snapshot(self) -> bytes: ...

    def restore(self, data: bytes) -> None: ...


# solution begin
class _Waiter:
    """A submit waiting for its index to be applied."""

    __slots__ = ("op_id", "term", "done", "err", "result")

    def __init__(self, op_id: int, term: int) -> None:
        self.op_id = op_id
        self.term = term
        self.done = threading.Event()
        self.err: rpc.Err = rpc.ErrWrongLeader
        self.result: Any = None

    def resolve(self, err: rpc.Err, result: Any = None) -> None:
        self.err, self.result = err, result
        self.done.set()
# solution end


class RSM:
    def __init__(self, servers: list[ClientEnd], me: int, persister: Persister, maxraftstate: int,
                 sm: StateMachine) -> None:
        self._lock = threading.Lock()
        self.me = me
        self.maxraftstate = maxraftstate
        self.sm = sm
        self.apply_ch: raftapi.Channel[raftapi.ApplyMsg] = raftapi.Channel()
        # skeleton: self.rf: raftapi.Raft = raft1.make(servers, me, persister, self.apply_ch)
        # skeleton: # Your code here: what the RSM keeps, and a thread that reads apply_ch.
        # solution begin
        self._waiters: dict[int, _Waiter] = {}
        self._dead = False
        self._last_applied = 0
        snapshot = persister.read_snapshot()
        if snapshot:
            sm.restore(snapshot)  # Raft resumes applying right after the snapshot
        self.rf: raftapi.Raft = raft1.make(servers, me, persister, self.apply_ch)
        threading.Thread(target=self._reader, name=f"rsm-reader-{me}", daemon=True).start()
        # solution end

    def raft(self) -> raftapi.Raft:
        return self.rf

    def submit(self, req: Any) -> tuple[rpc.Err, Any]:
        """Replicate req through Raft and return the state machine's answer to it.

        Returns (ErrWrongLeader, None) if this server is not the leader, loses its
        leadership before the entry commits, or is killed.
        """
        # skeleton: # Submit creates an Op, starts it in Raft with self.rf.start(op), and waits for it
        # skeleton: # to be applied; it must return once this server has lost leadership, or once the
        # skeleton: # RSM and Raft have been killed, so that the client can try another server.
        # skeleton: # Snapshot with self.rf.snapshot() when self.rf.persist_bytes() exceeds
        # skeleton: # maxraftstate bytes; with maxraftstate -1, never snapshot.
        # skeleton:
        # skeleton: # Your code here.
        # skeleton: return rpc.ErrWrongLeader, None  # i'm dead, try another server.
        # solution begin
        op = Op(self.me, random.getrandbits(62), req)
        with self._lock:
            if self._dead:
                return rpc.ErrWrongLeader, None
            index, term, is_leader = self.rf.start(op)
            if not is_leader:
                return rpc.ErrWrongLeader, None
            waiter = _Waiter(op.id, term)
            self._waiters[index] = waiter
        while not waiter.done.wait(LEADERSHIP_CHECK_INTERVAL):
            current_term, still_leader = self.rf.get_state()
            if current_term != term or not still_leader:
                with self._lock:
                    if self._waiters.get(index) is waiter:
                        del self._waiters[index]
                return rpc.ErrWrongLeader, None
        return waiter.err, waiter.result
        # solution end

    # solution begin
    def _reader(self) -> None:
        """Apply committed entries in order; stops when Raft closes the apply channel."""
        for msg in self.apply_ch:
            if msg.snapshot_valid:
                self._install_snapshot(msg)
            elif msg.command_valid:
                self._apply(msg)
        with self._lock:
            self._dead = True
            waiters, self._waiters = self._waiters, {}
        for w in waiters.values():
            w.resolve(rpc.ErrWrongLeader)

    def _apply(self, msg: raftapi.ApplyMsg) -> None:
        op: Op = msg.command
        with self._lock:
            if msg.command_index <= self._last_applied:
                return  # already covered by a snapshot
            result = self.sm.do_op(op.req)
            self._last_applied = msg.command_index
            waiter = self._waiters.pop(msg.command_index, None)
        if waiter is not None:
            if waiter.op_id == op.id:
                waiter.resolve(rpc.OK, result)
            else:
                waiter.resolve(rpc.ErrWrongLeader)  # another leader's entry took our index
        if self.maxraftstate != -1 and self.rf.persist_bytes() > self.maxraftstate:
            with self._lock:
                data = self.sm.snapshot()
            self.rf.snapshot(msg.command_index, data)

    def _install_snapshot(self, msg: raftapi.ApplyMsg) -> None:
        with self._lock:
            if msg.snapshot_index <= self._last_applied:
                return
            self.sm.restore(msg.snapshot)
            self._last_applied = msg.snapshot_index
            stale = [i for i in self._waiters if i <= msg.snapshot_index]
            waiters = [self._waiters.pop(i) for i in stale]
        for w in waiters:
            w.resolve(rpc.ErrWrongLeader)  # their outcome is inside the snapshot, unknown to us
    # solution end


def make_rsm(servers: list[ClientEnd], me: int, persister: Persister, maxraftstate: int,
             sm: StateMachine) -> RSM:
    """Start Raft and the apply loop; the caller registers its request types with labgob."""
    return RSM(servers, me, persister, maxraftstate, sm)
