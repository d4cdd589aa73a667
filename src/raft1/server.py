"""The tester's per-server wrapper around one Raft peer (Go: raft1/server.go).

An ``RfSrv`` plays the part a key/value server plays in later labs: it owns
the Raft instance's apply channel, checks every committed entry against what
the other servers committed, and, in 3D, snapshots its copy of the log every
``SNAPSHOT_INTERVAL`` entries.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import labfatal
import labgob
import raftapi
import tester1
from labrpc import ClientEnd

if TYPE_CHECKING:
    from raft1.test import Test

SNAPSHOT_INTERVAL = 10

# Set to plug in another Raft instead of raft1.raft (Go: useRaftStateMachine).
use_raft_state_machine = False


class RfSrv:
    """One tester server: a Raft peer plus the applier reading its apply channel.

    Registered with labrpc as service "RfSrv"; it has no RPC handlers.
    """

    def __init__(
        self,
        ts: Test,
        srv: int,
        ends: list[ClientEnd],
        persister: tester1.Persister,
        snapshot: bool,
    ) -> None:
        self.ts = ts
        self.me = srv
        self.apply_err = ""  # set by the applier, which then ends the test (labfatal)
        self.last_applied = 0
        self.delivered_after_kill = 0  # messages received once the Raft was killed
        self.persister: tester1.Persister | None = persister

        self.mu = threading.Lock()
        self.raft: raftapi.Raft | None = None
        self.logs: dict[int, Any] = {}  # copy of this server's committed entries

        apply_ch: raftapi.Channel[raftapi.ApplyMsg] = raftapi.Channel()
        if not use_raft_state_machine:
            from raft1.raft import make

            self.raft = make(ends, srv, persister, apply_ch)
        if snapshot:
            data = persister.read_snapshot()
            if data:
                # Mimic a KV server and process the snapshot now;
                # ideally Raft would send it up on the apply channel.
                err = self._ingest_snap(data, -1)
                if err:
                    tester1.annotate_checker_failure_before_exit("failed to ingest snapshot", err)
                    ts.fail(err)
            target = self._applier_snap
        else:
            target = self._applier
        threading.Thread(
            target=target, args=(apply_ch,), name=f"rfsrv-{srv}-applier", daemon=True
        ).start()

    def kill(self) -> None:
        """Forget the Raft and re-save the persister, as a KV server would.

        The tester kills a server's services in order, and ``Test.mksrv`` lists the Raft
        first (Go lists this server first): so once ``raft`` is None the Raft's own kill()
        has returned, and what it delivers from then on is a Raft that keeps delivering,
        never a race between the two kills.
        """
        with self.mu:
            self.raft = None
        if self.persister is not None:
            # Mimic a KV server that saves its persistent state in case it restarts.
            raftlog = self.persister.read_raft_state()
            snapshot = self.persister.read_snapshot()
            self.persister.save(raftlog, snapshot)

    def get_state(self) -> tuple[int, bool]:
        """The Raft's (term, is_leader); the server must be alive."""
        with self.mu:
            return self.raft.get_state()

    def get_raft(self) -> raftapi.Raft | None:
        """The live Raft instance, or None once the server was shut down (Go: Raft())."""
        with self.mu:
            return self.raft

    def log_at(self, i: int) -> tuple[Any, bool]:
        """The committed entry at index ``i`` and whether there is one (Go: Logs(i))."""
        with self.mu:
            if i in self.logs:
                return self.logs[i], True
            return None, False

    def _apply_error(self, err_msg: str) -> None:
        """End the test (Go: log.Fatalf, which exits the test binary), whatever thread is where."""
        tester1.annotate_checker_failure_before_exit("apply error", err_msg)
        if not self.apply_err:
            self.apply_err = err_msg
        labfatal.fatalf("apply error: %s", err_msg)

    def _applier(self, apply_ch: raftapi.Channel[raftapi.ApplyMsg]) -> None:
        """Read the apply channel and check that the entries match the other servers' logs."""
        for m in apply_ch:
            if not m.command_valid:
                continue  # ignore other kinds of ApplyMsg
            err_msg, prev_ok = self.ts.check_logs(self.me, m, self)
            if m.command_index > 1 and not prev_ok:
                err_msg = f"server {self.me} apply out of order {m.command_index}"
            if err_msg:
                self._apply_error(err_msg)

    def _applier_snap(self, apply_ch: raftapi.Channel[raftapi.ApplyMsg]) -> None:
        """Like the applier, but also ingest snapshots and snapshot every SNAPSHOT_INTERVAL entries."""
        if self.raft is None:
            return
        for m in apply_ch:
            with self.mu:
                if self.raft is None:
                    self.delivered_after_kill += 1
            err_msg = ""
            if m.snapshot_valid:
                err_msg = self._ingest_snap(m.snapshot, m.snapshot_index)
            elif m.command_valid:
                if m.command_index != self.last_applied + 1:
                    err_msg = (
                        f"server {self.me} apply out of order, expected index "
                        f"{self.last_applied + 1}, got {m.command_index}"
                    )
                if not err_msg:
                    err_msg, prev_ok = self.ts.check_logs(self.me, m, self)
                    if m.command_index > 1 and not prev_ok:
                        err_msg = f"server {self.me} apply out of order {m.command_index}"
                self.last_applied = m.command_index
                if (m.command_index + 1) % SNAPSHOT_INTERVAL == 0:
                    self._snapshot(m.command_index)
            if err_msg:
                self._apply_error(err_msg)

    def _snapshot(self, index: int) -> None:
        """Encode index and the log up to it, and hand it to Raft synchronously."""
        e = labgob.LabEncoder()
        e.encode(index)
        with self.mu:
            xlog = [self.logs.get(j) for j in range(index + 1)]
            rf = self.raft
            late = self.delivered_after_kill
        e.encode(xlog)
        start = tester1.get_annotate_timestamp()
        if rf is None:
            # Go's tester calls Snapshot() on its nil Raft here and the test binary dies. The
            # Raft was killed before this server (see kill()); a send that was already
            # blocked when kill() ran may still arrive, but a correct Raft sends no other.
            if late > 1:
                self._apply_error(f"server {self.me} delivered index {index} on applyCh after Kill(): "
                                  f"a killed Raft must stop delivering")
            return
        rf.snapshot(index, e.getvalue())
        details = f"snapshot created after applying the command at index {index}"
        tester1.annotate_info_interval(start, "snapshot created", details)

    def _ingest_snap(self, snapshot: bytes | None, index: int) -> str:
        """Replace the log copy with a snapshot's; returns "" or an error message."""
        with self.mu:
            if snapshot is None:
                tester1.annotate_checker_failure_before_exit("failed to ingest snapshot", "nil snapshot")
                print("nil snapshot", flush=True)
                return "nil snapshot"
            try:
                d = labgob.LabDecoder(snapshot)
                last_included_index = d.decode()
                xlog = d.decode()
                if not isinstance(last_included_index, int) or not isinstance(xlog, list):
                    raise labgob.LabgobError("unexpected snapshot contents")
            except labgob.LabgobError:
                text = "failed to decode snapshot"
                tester1.annotate_checker_failure_before_exit(text, text)
                print("snapshot decode error", flush=True)
                return "snapshot Decode() error"
            if index != -1 and index != last_included_index:
                return f"server {self.me} snapshot doesn't match m.SnapshotIndex"
            self.logs = dict(enumerate(xlog))
            self.last_applied = last_included_index
            return ""
