# skeleton: """Raft (Lab 3, Go: raft1/raft.go): the peer you write.
# skeleton:
# skeleton: A service (the tester, later a key/value server) makes one Raft peer per server with
# skeleton: ``make`` and talks to it through ``raftapi.Raft``: ``start`` proposes a command, and each
# skeleton: committed command comes back, in log order, as an ``ApplyMsg`` on the apply channel.
# skeleton: raftapi/raftapi.py lists the methods the service calls; the comments below say more of each.
# skeleton:
# skeleton: Threads stand in for goroutines, ``self.mu`` (a ``threading.Lock``) for the mutex, and
# skeleton: ``apply_ch`` is an unbuffered channel: ``put`` returns once the service has taken the message.
# skeleton: """
# solution begin
"""Raft consensus (Lab 3, Go: raft1/raft.go): election, replication, persistence, snapshots.

A service (the tester, later a key/value server) makes one Raft peer per server
with ``make`` and talks to it through ``raftapi.Raft``: ``start`` proposes a
command, and every committed command comes back, in log order, as an
``ApplyMsg`` on the apply channel.

Threads of one peer, and why each exists:

* the ticker starts an election when no leader has been heard from for a
  randomized election timeout;
* per peer, replicator threads send AppendEntries (or InstallSnapshot) while
  this peer is leader: at least every ``HEARTBEAT`` seconds, and at once when
  there is news (new entries, a higher commit index, a retry after a mismatch)
  and no RPC to that peer is in flight, so that entries handed to ``start`` in
  quick succession travel together in the next RPC. A call to an
  unreachable peer can take seconds to fail, so when every replicator of a peer
  is stuck in a call, the one starting a new call first starts a spare thread;
  spares retire once their call returns;
* the applier delivers committed entries (and snapshots from the leader) on the
  apply channel, strictly in order, never holding the lock while it does, since
  the service may call back into Raft (``snapshot``) from the consumer side;
* a short-lived thread per peer per election asks for a vote;
* with a persister that writes in the background (the disk persister), a
  durability watcher tells a leader when its own new entries are on disk, since
  only then may it count itself in a majority.

Persistence never makes the lock wait for a disk: ``_persist`` hands the state
to the persister (``save_async``) and notes its generation. What a reply
promises must be durable before the reply leaves, so the RPC handlers wait for
the newest generation after releasing ``mu``; a candidate does the same before
asking for votes. A snapshot the service takes is written in the background.
With the memory persister every save is durable at once and nothing waits.

All state is guarded by ``mu``; conditions that share it wake the applier and
the replicators, so nothing polls. No thread holds ``mu`` across an RPC.

Log indexing: ``log[0]`` is a sentinel for index ``log_base``, the last index
the snapshot covers (0 before any snapshot), holding that entry's term. The
entry with (absolute) index ``i`` is ``log[i - log_base]``.
"""
# solution end

from __future__ import annotations

# solution begin
import bisect
import collections
import enum
# solution end
import random
import threading
import time
# skeleton: from dataclasses import dataclass
# solution begin
from dataclasses import dataclass, field
# solution end
from typing import TYPE_CHECKING, Any

import labgob
from labrpc import ClientEnd
# skeleton: from raftapi import ApplyMsg, Channel  # noqa: F401 (ApplyMsg: what you send on apply_ch)
# skeleton: from raft1.util import DEBUG, dprint  # noqa: F401 (a debug log: see raft1/util.py)
# solution begin
from raftapi import ApplyMsg, Channel
from raft1.util import (
    APLY, CMIT, DEBUG, DROP, INFO, LEAD, LOG1, LOG2, PERS, SNAP, TERM, TIMR, VOTE, dprint,
)
# solution end

if TYPE_CHECKING:
    from tester1 import Persister

# solution begin
HEARTBEAT = 0.1  # seconds between AppendEntries to each peer; the tester allows 10/s
ELECTION_TIMEOUT = (0.3, 0.6)  # seconds, randomized so that candidates rarely split the vote
# solution end


# solution begin
@labgob.register
@dataclass
class LogEntry:
    """One log entry. Its command's labgob bytes are kept on it once made (``encoded_command``).

    Every persist writes the whole log, and encoding a service's command (a
    dataclass) runs through Python code, about 2 us each: with a thousand entries
    that was most of a KV server's time. An entry never changes, so its bytes are
    made once. The cache is a plain attribute, not a field, so it never travels.
    """

    term: int = 0
    command: Any = None

    def encoded_command(self) -> bytes:
        try:
            return self.__dict__["_encoded"]
        except KeyError:
            blob = self.__dict__["_encoded"] = labgob.encode(self.command)
            return blob


# solution end
@labgob.register
@dataclass
class RequestVoteArgs:
    # skeleton: """The arguments of a RequestVote RPC. Give every field a default: labgob makes empty
    # skeleton: ones to decode into, as Go starts from a zero struct."""
    # skeleton:
    # skeleton: # Your data here (3A, 3B).
    # solution begin
    term: int = 0
    candidate_id: int = 0
    last_log_index: int = 0
    last_log_term: int = 0
    # solution end


@labgob.register
@dataclass
class RequestVoteReply:
    # skeleton: """The reply of a RequestVote RPC."""
    # skeleton:
    # skeleton: # Your data here (3A).
    # solution begin
    term: int = 0
    vote_granted: bool = False
    # solution end


# solution begin
@labgob.register
@dataclass
class AppendEntriesArgs:
    term: int = 0
    leader_id: int = 0
    prev_log_index: int = 0
    prev_log_term: int = 0
    entries: list[LogEntry] = field(default_factory=list)
    leader_commit: int = 0


@labgob.register
@dataclass
class AppendEntriesReply:
    """On a log mismatch the follower says where its log disagrees (fast backup).

    x_term: the term of the follower's entry at prev_log_index, or -1 if its log
    is too short; x_index: the first index the follower holds with term x_term;
    x_len: the length of the follower's log (its last index + 1).
    """

    term: int = 0
    success: bool = False
    x_term: int = 0
    x_index: int = 0
    x_len: int = 0


@labgob.register
@dataclass
class InstallSnapshotArgs:
    term: int = 0
    leader_id: int = 0
    last_included_index: int = 0
    last_included_term: int = 0
    data: bytes = b""


@labgob.register
@dataclass
class InstallSnapshotReply:
    term: int = 0


class Role(enum.Enum):
    FOLLOWER = "follower"
    CANDIDATE = "candidate"
    LEADER = "leader"


def _entry_term(e: LogEntry) -> int:
    return e.term


def _restored_entry(term: int, blob: bytes) -> LogEntry:
    if not isinstance(blob, bytes):
        raise labgob.LabgobError(f"a persisted log entry holds {type(blob).__name__}, not bytes")
    entry = LogEntry(term, labgob.decode(blob))
    entry.__dict__["_encoded"] = blob
    return entry


# solution end
class Raft:
    """One Raft peer. Its public two-argument methods are its RPC handlers ("Raft.request_vote", ...)."""

    def __init__(
        self, peers: list[ClientEnd], me: int, persister: Persister, apply_ch: Channel
    ) -> None:
        self.mu = threading.Lock()  # guards this peer's state
        self.peers = peers  # the RPC ends of all peers; peers[me] is this one's own
        self.persister = persister  # holds this peer's persisted state
        self.me = me  # this peer's index into peers
        self._dead = threading.Event()  # set by kill(); an Event so that sleepers wake at once
        # skeleton:
        # skeleton: # Your initialization code here (3A, 3B, 3C).
        # skeleton: # Figure 2 of the paper lists the state a Raft server keeps.
        # skeleton:
        # skeleton: # initialize from state persisted before a crash
        # skeleton: self._read_persist(persister.read_raft_state())
        # solution begin
        self.apply_ch = apply_ch
        n = len(peers)

        # Persistent state (Figure 2), saved by _persist before acting on it.
        self.current_term = 0
        self.voted_for: int | None = None
        self.log: list[LogEntry] = [LogEntry(0, None)]  # log[0]: sentinel for log_base
        self.log_base = 0  # last index covered by the snapshot
        self.snapshot_data = b""  # the snapshot itself, saved alongside the state

        # Volatile state.
        self.commit_index = 0
        self.last_applied = 0  # the last index handed to the applier for delivery
        self.role = Role.FOLLOWER
        self.election_deadline = 0.0
        self.votes = 0  # votes received in the current election
        self._snapshot_pending = False  # a snapshot from the leader awaits delivery
        self._apply_cond = threading.Condition(self.mu)

        # Leader state, reset on each election win.
        self.next_index = [1] * n
        self.match_index = [0] * n

        # Replication bookkeeping per peer (see _wait_for_rpc).
        self._repl_cond = [threading.Condition(self.mu) for _ in range(n)]
        self._pending = [False] * n  # something worth sending now (new entries, a retry)
        self._last_send = [0.0] * n  # when the last RPC to the peer was sent
        self._outstanding: list[int | None] = [None] * n  # id of the last RPC, while in flight
        self._rpc_seq = 0
        self._senders = [0] * n  # replicator threads for the peer
        self._idle = [0] * n  # of those, how many are waiting for work

        # Durability (see the module docstring). A leader counts its own log in a
        # majority only through _self_durable; _durable_todo holds (generation,
        # last index, term) of its saves not yet known to be on disk.
        self._async_persist: bool = getattr(persister, "writes_in_background", False)
        self._persist_gen = 0  # the newest generation handed to the persister
        self._self_durable = 0
        self._durable_todo: collections.deque[tuple[int, int, int]] = collections.deque()
        self._durable_cond = threading.Condition(self.mu)

        self._read_persist(persister.read_raft_state(), persister.read_snapshot())
        self._reset_election_timer()
        # solution end

    # ------------------------------------------------------------------ helpers

    def killed(self) -> bool:
        return self._dead.is_set()

    # solution begin
    def _last_index(self) -> int:
        return self.log_base + len(self.log) - 1

    def _term_at(self, index: int) -> int:
        """Term of the entry at ``index``; valid for log_base <= index <= last index."""
        return self.log[index - self.log_base].term

    def _reset_election_timer(self) -> None:
        self.election_deadline = time.monotonic() + random.uniform(*ELECTION_TIMEOUT)

    def _become_follower(self, term: int) -> None:
        """Adopt a newer term (forgetting our vote) or step down; the caller persists."""
        if self.role is Role.LEADER:
            # A deposed leader's timer is stale; without a reset it would stand at once.
            self._reset_election_timer()
        if term > self.current_term:
            if DEBUG:
                dprint(TERM, self.me, self.current_term, "-> T%d, follower (was %s)", term, self.role.value)
            self.current_term = term
            self.voted_for = None
        self.role = Role.FOLLOWER
        self._durable_todo.clear()

    # -------------------------------------------------------------- persistence

    def _encode_state(self) -> bytes:
        e = labgob.LabEncoder()
        e.encode(self.current_term)
        e.encode(self.voted_for)
        e.encode(self.log_base)
        # Flat lists rather than a list of LogEntry: pickling builtins stays in C, and
        # each command is encoded once, when it first reaches this peer's log.
        e.encode([entry.term for entry in self.log])
        e.encode([entry.encoded_command() for entry in self.log])
        return e.getvalue()

    def _persist(self) -> None:
        """Hand term, vote, log (and the snapshot, which must never be dropped) to the persister.

        Called with ``mu`` held whenever they change. The save may still be on
        its way to disk on return; whoever acts on the new state in a way others
        can see (a reply, a vote request) first calls ``_await_durable``, and a
        leader's own entries count towards commitment once the watcher sees them
        durable (Figure 2's "respond after persisting").
        """
        state = self._encode_state()
        self._persist_gen = self.persister.save_async(
            state, self.snapshot_data or None, self.log_base, self.log[0].term)
        if self._async_persist and self.role is Role.LEADER:
            self._durable_todo.append((self._persist_gen, self._last_index(), self.current_term))
            self._durable_cond.notify()
        if DEBUG:
            dprint(PERS, self.me, self.current_term, "saved %d bytes (gen %d), base %d last %d",
                   len(state), self._persist_gen, self.log_base, self._last_index())

    def _await_durable(self, gen: int) -> None:
        """Wait, with ``mu`` released, until generation ``gen`` is durable: the newest one
        handed to the persister when the caller last held ``mu`` (read there, not here:
        another thread may be persisting a newer one meanwhile)."""
        if self._async_persist:
            self.persister.wait_durable(gen)

    def _durability_watcher(self) -> None:
        """Move a leader's _self_durable forward as its saves reach the disk, and commit."""
        while True:
            with self.mu:
                while not self._durable_todo and not self.killed():
                    self._durable_cond.wait()
                if self.killed():
                    return
                gen = self._durable_todo[0][0]
            self.persister.wait_durable(gen)  # raises PersisterError if the disk failed
            with self.mu:
                done = self.persister.durable_generation()
                while self._durable_todo and self._durable_todo[0][0] <= done:
                    _, index, term = self._durable_todo.popleft()
                    if term == self.current_term and self.role is Role.LEADER:
                        self._self_durable = max(self._self_durable, index)
                if self.role is Role.LEADER:
                    self._advance_commit()

    def _read_persist(self, data: bytes, snapshot: bytes) -> None:
        """Restore the state saved before a crash. The service restores the snapshot itself."""
        if not data:
            return  # a fresh start
        try:
            d = labgob.LabDecoder(data)
            term, voted_for, base = d.decode(), d.decode(), d.decode()
            terms, blobs = d.decode(), d.decode()
            log = [_restored_entry(t, b) for t, b in zip(terms, blobs)]
        except labgob.LabgobError as e:
            raise RuntimeError(f"raft S{self.me}: cannot decode persisted state: {e}") from e
        self.current_term = term
        self.voted_for = voted_for
        self.log_base = base
        self.log = log
        self.snapshot_data = snapshot or b""
        # Everything the snapshot covers was committed and is already in the service.
        self.commit_index = self.last_applied = base
        if DEBUG:
            dprint(PERS, self.me, term, "restored: voted %s, base %d, last %d",
                   voted_for, base, self._last_index())

    # solution end
    # skeleton: def _persist(self) -> None:
    # skeleton:     """Save the persistent state (Figure 2) with the persister, where a restarted peer
    # skeleton:     finds it. Before 3D, pass None as the snapshot; after, the latest snapshot."""
    # skeleton:     # Your code here (3C).
    # skeleton:     # Example:
    # skeleton:     #     e = labgob.LabEncoder()
    # skeleton:     #     e.encode(self.xxx)
    # skeleton:     #     e.encode(self.yyy)
    # skeleton:     #     self.persister.save(e.getvalue(), None)
    # skeleton:
    # skeleton: def _read_persist(self, data: bytes) -> None:
    # skeleton:     """Restore the state saved before a crash."""
    # skeleton:     if not data:  # a fresh start, with no state
    # skeleton:         return
    # skeleton:     # Your code here (3C).
    # skeleton:     # Example:
    # skeleton:     #     d = labgob.LabDecoder(data)
    # skeleton:     #     try:
    # skeleton:     #         xxx, yyy = d.decode(), d.decode()
    # skeleton:     #     except labgob.LabgobError as e:
    # skeleton:     #         raise RuntimeError(f"cannot decode persisted state: {e}") from e
    # skeleton:     #     self.xxx, self.yyy = xxx, yyy
    # skeleton:
    def persist_bytes(self) -> int:
        """Size of the persisted Raft state; the service uses it to decide when to snapshot."""
        with self.mu:
            return self.persister.raft_state_size()

    # ------------------------------------------------------------ service API

    def get_state(self) -> tuple[int, bool]:
        """This peer's current term, and whether it believes it is the leader."""
        # skeleton: # Your code here (3A).
        # skeleton: term, is_leader = 0, False
        # skeleton: return term, is_leader
        # solution begin
        with self.mu:
            return self.current_term, self.role is Role.LEADER
        # solution end

    def start(self, command: Any) -> tuple[int, int, bool]:
        """Start agreement on ``command``; return (index, term, is_leader) at once.

        Not the leader: is_leader is False. Otherwise the entry is appended and the call
        returns without waiting: the command may never be committed (the leader may fail
        or lose an election). The first index is 1; term is the current term.
        """
        # skeleton: index, term, is_leader = -1, -1, True
        # skeleton:
        # skeleton: # Your code here (3B).
        # skeleton:
        # skeleton: return index, term, is_leader
        # solution begin
        with self.mu:
            if self.role is not Role.LEADER or self.killed():
                return -1, self.current_term, False
            self.log.append(LogEntry(self.current_term, command))
            index = self._last_index()
            self._persist()
            if DEBUG:
                dprint(LOG1, self.me, self.current_term, "start index %d", index)
            self._advance_commit()  # a one-peer cluster commits at once
            self._wake_replicators()
            return index, self.current_term, True
        # solution end

    # solution begin
    def _wake_replicators(self) -> None:
        """There is news for every peer (entries or a commit index): send when no RPC is in flight."""
        for peer in range(len(self.peers)):
            if peer != self.me and not self._pending[peer]:
                self._pending[peer] = True
                self._repl_cond[peer].notify()

    # solution end
    def snapshot(self, index: int, snapshot: bytes) -> None:
        """The service's state includes everything up to ``index``: drop that part of the log."""
        # skeleton: # Your code here (3D).
        # skeleton: pass
        # solution begin
        with self.mu:
            if index <= self.log_base or index > self.commit_index:
                return  # stale, or (a service bug) not committed yet
            self.log = [LogEntry(self._term_at(index), None)] + self.log[index - self.log_base + 1:]
            self.log_base = index
            self.snapshot_data = snapshot
            self._persist()  # not waited for: the service's state already holds all of it
            if DEBUG:
                dprint(SNAP, self.me, self.current_term, "snapshot through %d, %d entries left",
                       index, len(self.log) - 1)
        # solution end

    def kill(self) -> None:
        """Stop this peer (the tester's crash): its threads end soon, and apply_ch is closed."""
        self._dead.set()
        # skeleton: # Your code here, if desired. Close apply_ch once nothing more will be sent on
        # skeleton: # it: the service reading it (the RSM of Lab 4) waits for that.
        # solution begin
        with self.mu:
            if DEBUG:
                dprint(INFO, self.me, self.current_term, "killed")
            self._apply_cond.notify_all()
            self._durable_cond.notify_all()
            for cond in self._repl_cond:
                cond.notify_all()
        # solution end

    # ---------------------------------------------------------------- election

    # solution begin
    def _ticker(self) -> None:
        """Start an election whenever the election timer runs out (never while leader)."""
        while not self.killed():
            vote_args = None
            with self.mu:
                now = time.monotonic()
                if self.role is not Role.LEADER and now >= self.election_deadline:
                    vote_args = self._start_election()
                if self.role is Role.LEADER:
                    sleep = ELECTION_TIMEOUT[0]  # nothing to do; check back now and then
                else:
                    sleep = self.election_deadline - now
                gen = self._persist_gen
            if vote_args is not None:
                self._await_durable(gen)  # our own vote must survive a crash before we ask for others
                for peer in range(len(self.peers)):
                    if peer != self.me:
                        threading.Thread(target=self._ask_vote, args=(peer, vote_args),
                                         name=f"raft{self.me}-vote{peer}", daemon=True).start()
            self._dead.wait(max(sleep, 0.001))

    def _start_election(self) -> RequestVoteArgs | None:
        """Become a candidate for a new term; returns the RequestVote to send (None if we won alone)."""
        self.current_term += 1
        self.role = Role.CANDIDATE
        self.voted_for = self.me
        self.votes = 1
        self._persist()
        self._reset_election_timer()  # if this election fails, the next one starts later
        if DEBUG:
            dprint(TIMR, self.me, self.current_term, "election timeout, standing for election")
        if self.votes * 2 > len(self.peers):
            self._become_leader()
            return None
        last = self._last_index()
        return RequestVoteArgs(self.current_term, self.me, last, self._term_at(last))

    def _ask_vote(self, peer: int, args: RequestVoteArgs) -> None:
        reply = RequestVoteReply()
        if not self.peers[peer].call("Raft.request_vote", args, reply):
            return
        with self.mu:
            if reply.term > self.current_term:
                self._become_follower(reply.term)
                self._persist()
                return
            if self.role is not Role.CANDIDATE or self.current_term != args.term:
                if DEBUG:
                    dprint(DROP, self.me, self.current_term, "stale vote reply from S%d (T%d)", peer, args.term)
                return
            if reply.vote_granted:
                self.votes += 1
                if DEBUG:
                    dprint(VOTE, self.me, self.current_term, "got vote from S%d (%d)", peer, self.votes)
                if self.votes * 2 > len(self.peers):
                    self._become_leader()

    def _become_leader(self) -> None:
        self.role = Role.LEADER
        last = self._last_index()
        if DEBUG:
            dprint(LEAD, self.me, self.current_term, "leader, last index %d", last)
        for peer in range(len(self.peers)):
            self.next_index[peer] = last + 1
            self.match_index[peer] = 0
            self._pending[peer] = True  # announce ourselves at once
            self._outstanding[peer] = None
            self._last_send[peer] = 0.0
            self._repl_cond[peer].notify_all()  # all: idle followers' threads wait without a timeout
        if self._async_persist:
            # Our log may hold entries from earlier terms not yet durable here.
            self._self_durable = 0
            self._durable_todo.append((self._persist_gen, last, self.current_term))
            self._durable_cond.notify()
        self.match_index[self.me] = self._own_match()

    # solution end
    # skeleton: def _ticker(self) -> None:
    # skeleton:     while not self.killed():
    # skeleton:         # Your code here (3A).
    # skeleton:         # Check whether a leader election should be started.
    # skeleton:
    # skeleton:         # Pause for a random time between 50 and 350 ms.
    # skeleton:         time.sleep(random.uniform(0.05, 0.35))
    # skeleton:
    def request_vote(self, args: RequestVoteArgs, reply: RequestVoteReply) -> None:
        """RequestVote handler: grant at most one vote per term, and only to an up-to-date log."""
        # skeleton: # Your code here (3A, 3B).
        # skeleton: pass
        # solution begin
        with self.mu:
            if self.killed():
                return
            changed = False
            if args.term > self.current_term:
                self._become_follower(args.term)
                changed = True
            reply.term = self.current_term
            if args.term == self.current_term and self.voted_for in (None, args.candidate_id):
                last = self._last_index()
                if (args.last_log_term, args.last_log_index) >= (self._term_at(last), last):
                    self.voted_for = args.candidate_id
                    changed = True
                    reply.vote_granted = True
                    self._reset_election_timer()  # give the candidate time to win
                    if DEBUG:
                        dprint(VOTE, self.me, self.current_term, "voted for S%d", args.candidate_id)
            if changed:
                self._persist()
            gen = self._persist_gen
        self._await_durable(gen)  # a granted vote must outlive a crash
        # solution end
    # skeleton:
    # skeleton: def _send_request_vote(self, server: int, args: RequestVoteArgs, reply: RequestVoteReply) -> bool:
    # skeleton:     """Send a RequestVote RPC to peers[server] and fill in ``reply``; an example.
    # skeleton:
    # skeleton:     labrpc emulates a lossy network: peers may be unreachable, and requests and replies
    # skeleton:     may be lost. call() sends the request and waits for the reply: True if a reply came
    # skeleton:     in time, False if none did (a dead or unreachable peer, a lost request or reply),
    # skeleton:     which may take a while. It always returns, unless the handler on the other side
    # skeleton:     never does, so no timeout of your own is needed around it. The handler is named
    # skeleton:     by class and method ("Raft.request_vote"); args and reply must be labgob-registered
    # skeleton:     dataclasses, and the reply is filled in place. See labrpc/labrpc.py.
    # skeleton:     """
    # skeleton:     return self.peers[server].call("Raft.request_vote", args, reply)

    # solution begin
    # ------------------------------------------------------------- replication

    def _replicator(self, peer: int) -> None:
        """Send AppendEntries/InstallSnapshot to ``peer`` while leader.

        Several of these threads may serve one peer: the one about to make a call
        starts a spare if none is idle, so that a call stuck for seconds does not
        hold up heartbeats. A thread whose call returns retires if others are idle.
        """
        cond = self._repl_cond[peer]
        while True:
            with self.mu:
                rpc = self._wait_for_rpc(peer)
                if rpc is None:
                    self._senders[peer] -= 1
                    return
                if self._idle[peer] == 0:
                    self._start_replicator(peer)
            method, args, rpc_id = rpc
            reply: AppendEntriesReply | InstallSnapshotReply
            reply = AppendEntriesReply() if isinstance(args, AppendEntriesArgs) else InstallSnapshotReply()
            ok = self.peers[peer].call(method, args, reply)
            with self.mu:
                if self._outstanding[peer] == rpc_id:
                    self._outstanding[peer] = None
                if ok and not self.killed():
                    if isinstance(args, AppendEntriesArgs):
                        self._handle_append_reply(peer, args, reply)
                    else:
                        self._handle_snapshot_reply(peer, args, reply)
                if self._senders[peer] > 2 and self._idle[peer] > 0:
                    self._senders[peer] -= 1
                    cond.notify()  # hand any pending work to an idle one
                    return

    def _start_replicator(self, peer: int) -> None:
        self._senders[peer] += 1
        threading.Thread(target=self._replicator, args=(peer,),
                         name=f"raft{self.me}-repl{peer}", daemon=True).start()

    def _wait_for_rpc(self, peer: int) -> tuple[str, Any, int] | None:
        """Wait (``mu`` held) until an RPC to ``peer`` is due and return it; None once killed.

        An RPC is due when a heartbeat is due, or when there is something to send
        (``_pending``) and no RPC is in flight. While one is in flight, new entries
        wait for its reply or for the next heartbeat, so they are batched.
        """
        cond = self._repl_cond[peer]
        while not self.killed():
            timeout = None  # a follower waits until it wins an election
            if self.role is Role.LEADER:
                now = time.monotonic()
                next_beat = self._last_send[peer] + HEARTBEAT
                if now >= next_beat or (self._pending[peer] and self._outstanding[peer] is None):
                    return self._make_rpc(peer, now)
                timeout = next_beat - now
            self._idle[peer] += 1
            cond.wait(timeout)
            self._idle[peer] -= 1
        return None

    def _make_rpc(self, peer: int, now: float) -> tuple[str, Any, int]:
        """Build the next RPC for ``peer``: the entries it lacks, or our snapshot if the log no longer has them."""
        self._last_send[peer] = now
        self._pending[peer] = False
        self._rpc_seq += 1
        self._outstanding[peer] = self._rpc_seq
        nxt = self.next_index[peer]
        if nxt <= self.log_base:
            if DEBUG:
                dprint(SNAP, self.me, self.current_term, "send snapshot through %d to S%d", self.log_base, peer)
            args: Any = InstallSnapshotArgs(self.current_term, self.me, self.log_base,
                                            self.log[0].term, self.snapshot_data)
            return "Raft.install_snapshot", args, self._rpc_seq
        prev = nxt - 1
        entries = self.log[nxt - self.log_base:]  # a copy; entries themselves are never changed
        if DEBUG:
            dprint(LOG1, self.me, self.current_term, "append to S%d: prev %d, %d entries, commit %d",
                   peer, prev, len(entries), self.commit_index)
        args = AppendEntriesArgs(self.current_term, self.me, prev, self._term_at(prev),
                                 entries, self.commit_index)
        return "Raft.append_entries", args, self._rpc_seq

    def _handle_append_reply(self, peer: int, args: AppendEntriesArgs, reply: AppendEntriesReply) -> None:
        if reply.term > self.current_term:
            self._become_follower(reply.term)
            self._persist()
            return
        if self.role is not Role.LEADER or args.term != self.current_term or reply.term < args.term:
            if DEBUG:
                dprint(DROP, self.me, self.current_term, "stale append reply from S%d (T%d)", peer, args.term)
            return
        if reply.success:
            match = args.prev_log_index + len(args.entries)
            if match > self.match_index[peer]:  # replies may arrive out of order
                self.match_index[peer] = match
                self._advance_commit()
            if match + 1 > self.next_index[peer]:
                self.next_index[peer] = match + 1
            if self.next_index[peer] <= self._last_index():
                self._pending[peer] = True
        elif self.next_index[peer] == args.prev_log_index + 1:
            # Mismatch, and we are still probing there (not a reply to an older probe).
            nxt = self._backup(reply)
            nxt = max(min(nxt, args.prev_log_index), self.match_index[peer] + 1)
            if DEBUG:
                dprint(LOG1, self.me, self.current_term, "S%d rejected prev %d (xterm %d xindex %d xlen %d): next %d",
                       peer, args.prev_log_index, reply.x_term, reply.x_index, reply.x_len, nxt)
            self.next_index[peer] = nxt
            self._pending[peer] = True

    def _backup(self, reply: AppendEntriesReply) -> int:
        """Where to probe next after a mismatch, skipping a whole term at a time (fast backup)."""
        if reply.x_term == -1:
            return reply.x_len  # the follower's log is too short
        # Terms never decrease along the log, so binary search finds our last x_term entry.
        pos = bisect.bisect_right(self.log, reply.x_term, key=_entry_term) - 1
        if pos >= 0 and self.log[pos].term == reply.x_term:
            return self.log_base + pos + 1  # we have x_term: resume after our last entry of it
        return reply.x_index  # we don't: skip all of the follower's x_term entries

    def _handle_snapshot_reply(self, peer: int, args: InstallSnapshotArgs, reply: InstallSnapshotReply) -> None:
        if reply.term > self.current_term:
            self._become_follower(reply.term)
            self._persist()
            return
        if self.role is not Role.LEADER or args.term != self.current_term or reply.term < args.term:
            return
        index = args.last_included_index
        if index > self.match_index[peer]:
            self.match_index[peer] = index
            self._advance_commit()
        if index + 1 > self.next_index[peer]:
            self.next_index[peer] = index + 1
        if self.next_index[peer] <= self._last_index():
            self._pending[peer] = True

    def _own_match(self) -> int:
        """How far our own log counts towards a majority: as far as it is durable."""
        return self._self_durable if self._async_persist else self._last_index()

    def _advance_commit(self) -> None:
        """Commit the highest index a majority holds, if it is from our term (Figure 8)."""
        self.match_index[self.me] = self._own_match()
        n = sorted(self.match_index)[(len(self.peers) - 1) // 2]  # a majority has >= n
        if n > self.commit_index and self._term_at(n) == self.current_term:
            if DEBUG:
                dprint(CMIT, self.me, self.current_term, "commit %d -> %d", self.commit_index, n)
            self.commit_index = n
            self._apply_cond.notify()
            # Tell the followers now rather than at the next heartbeat, so that they
            # apply (and the service sees agreement) sooner.
            self._wake_replicators()

    def append_entries(self, args: AppendEntriesArgs, reply: AppendEntriesReply) -> None:
        """AppendEntries handler: accept the leader's entries if our log matches at prev_log_index."""
        with self.mu:
            if self.killed():
                return
            changed = False
            if args.term > self.current_term:
                self._become_follower(args.term)
                changed = True
            reply.term = self.current_term
            if args.term < self.current_term:
                if DEBUG:
                    dprint(DROP, self.me, self.current_term, "append from old T%d S%d", args.term, args.leader_id)
                return
            self.role = Role.FOLLOWER  # a candidate in this term yields to its leader
            self._reset_election_timer()
            if self._accept_entries(args, reply):
                changed = True
            if changed:
                self._persist()
            gen = self._persist_gen
        self._await_durable(gen)  # the leader counts our success towards commitment

    def _accept_entries(self, args: AppendEntriesArgs, reply: AppendEntriesReply) -> bool:
        """The log-matching part of AppendEntries (``mu`` held); returns whether the log changed."""
        prev, entries = args.prev_log_index, args.entries
        last = self._last_index()
        if prev < self.log_base:
            # Our snapshot covers the start of this RPC; those entries are committed, so they match.
            skip = self.log_base - prev
            if skip >= len(entries):
                reply.success = True
                return False
            entries = entries[skip:]
            prev = self.log_base
        elif prev > last:
            reply.x_term, reply.x_len = -1, last + 1
            if DEBUG:
                dprint(LOG2, self.me, self.current_term, "reject prev %d: log ends at %d", prev, last)
            return False
        elif self._term_at(prev) != args.prev_log_term:
            x_term = self._term_at(prev)
            pos = bisect.bisect_left(self.log, x_term, key=_entry_term)
            reply.x_term, reply.x_index, reply.x_len = x_term, self.log_base + max(pos, 1), last + 1
            if DEBUG:
                dprint(LOG2, self.me, self.current_term, "reject prev %d: term %d, not %d",
                       prev, x_term, args.prev_log_term)
            return False

        # Append what we lack. Truncate only at a real conflict: a delayed RPC may
        # carry a prefix of what we already hold, and must not cut off the rest.
        changed = False
        for i, entry in enumerate(entries):
            index = prev + 1 + i
            if index > last or self._term_at(index) != entry.term:
                del self.log[index - self.log_base:]
                self.log.extend(entries[i:])
                changed = True
                if DEBUG:
                    dprint(LOG2, self.me, self.current_term, "append %d..%d from S%d",
                           index, prev + len(entries), args.leader_id)
                break
        reply.success = True
        # Commit only what this RPC showed to match the leader's log.
        commit = min(args.leader_commit, prev + len(entries))
        if commit > self.commit_index:
            if DEBUG:
                dprint(CMIT, self.me, self.current_term, "commit %d -> %d", self.commit_index, commit)
            self.commit_index = commit
            self._apply_cond.notify()
        return changed

    def install_snapshot(self, args: InstallSnapshotArgs, reply: InstallSnapshotReply) -> None:
        """InstallSnapshot handler: replace the log prefix we lack by the leader's snapshot."""
        with self.mu:
            if self.killed():
                return
            changed = False
            if args.term > self.current_term:
                self._become_follower(args.term)
                changed = True
            reply.term = self.current_term
            if args.term < self.current_term:
                return
            self.role = Role.FOLLOWER
            self._reset_election_timer()
            index = args.last_included_index
            if index > self.commit_index:  # else we hold all of it already, committed
                if index <= self._last_index() and self._term_at(index) == args.last_included_term:
                    rest = self.log[index - self.log_base + 1:]  # a matching suffix may stay
                else:
                    rest = []
                self.log = [LogEntry(args.last_included_term, None)] + rest
                self.log_base = index
                self.snapshot_data = args.data
                self.commit_index = index
                self._snapshot_pending = True
                self._apply_cond.notify()
                changed = True
                if DEBUG:
                    dprint(SNAP, self.me, self.current_term, "installed snapshot through %d from S%d",
                           index, args.leader_id)
            if changed:
                self._persist()
            gen = self._persist_gen
        self._await_durable(gen)  # the leader takes our reply to mean we hold the snapshot

    # ----------------------------------------------------------------- applier

    def _applier(self) -> None:
        """Deliver committed entries and installed snapshots on apply_ch, in order, lock released.

        The lock is dropped while delivering, because the service may call
        snapshot() from the consumer side before taking the next message.
        last_applied moves when a batch is taken, so a snapshot arriving
        meanwhile is queued behind the batch (never overtaken by older entries).
        """
        while True:
            with self.mu:
                while not (self.killed() or self._snapshot_pending or self.last_applied < self.commit_index):
                    self._apply_cond.wait()
                if self.killed():
                    break
                if self._snapshot_pending:
                    self._snapshot_pending = False
                    msgs = [ApplyMsg(snapshot_valid=True, snapshot=self.snapshot_data,
                                     snapshot_term=self.log[0].term, snapshot_index=self.log_base)]
                    self.last_applied = self.log_base
                else:
                    base, first = self.log_base, self.last_applied + 1
                    msgs = [ApplyMsg(command_valid=True, command=self.log[i - base].command, command_index=i)
                            for i in range(first, self.commit_index + 1)]
                    self.last_applied = self.commit_index
                if DEBUG:
                    dprint(APLY, self.me, self.current_term, "deliver %s",
                           f"snapshot {self.log_base}" if msgs[0].snapshot_valid
                           else f"{msgs[0].command_index}..{msgs[-1].command_index}")
            for msg in msgs:
                if self.killed():
                    break
                self.apply_ch.put(msg)
        self.apply_ch.close()  # the service's reader loop ends

    def _start_threads(self) -> None:
        threading.Thread(target=self._ticker, name=f"raft{self.me}-ticker", daemon=True).start()
        threading.Thread(target=self._applier, name=f"raft{self.me}-applier", daemon=True).start()
        if self._async_persist:
            threading.Thread(target=self._durability_watcher, name=f"raft{self.me}-durable",
                             daemon=True).start()
        with self.mu:
            for peer in range(len(self.peers)):
                if peer != self.me:
                    self._start_replicator(peer)
    # solution end


def make(peers: list[ClientEnd], me: int, persister: Persister, apply_ch: Channel) -> Raft:
    """Create a Raft peer (Go: Make). ``peers[me]`` is this peer's own end; all peers list
    the ends in the same order. Restores persisted state, starts the threads, returns at once."""
    rf = Raft(peers, me, persister, apply_ch)
    # skeleton:
    # skeleton: # start the ticker thread, which starts elections
    # skeleton: threading.Thread(target=rf._ticker, name=f"raft{me}-ticker", daemon=True).start()
    # solution begin
    rf._start_threads()
    if DEBUG:
        dprint(INFO, me, rf.current_term, "started, %d peers", len(peers))
    # solution end
    return rf
