"""Where a server keeps its Raft state and snapshot across a crash (Go: tester1/persister.go).

The tester hands each started server a Persister holding what its previous
incarnation saved. ``save`` replaces both parts at once, so a crash can never
leave a new Raft state beside an old snapshot.
"""

from __future__ import annotations

import threading


class Persister:
    """The in-memory persister: bytes objects are immutable, so copies may share them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raftstate = b""
        self._snapshot = b""

    def copy(self) -> "Persister":
        """A new persister holding the same state; the tester gives it to a restarted server."""
        with self._lock:
            np = type(self)()
            np._raftstate = self._raftstate
            np._snapshot = self._snapshot
            return np

    def read_raft_state(self) -> bytes:
        with self._lock:
            return self._raftstate

    def raft_state_size(self) -> int:
        with self._lock:
            return len(self._raftstate)

    def save(self, raftstate: bytes, snapshot: bytes | None) -> None:
        """Save both Raft state and snapshot atomically; ``None`` stores an empty snapshot, as in Go."""
        raftstate = _as_bytes(raftstate, "raftstate")
        snapshot = b"" if snapshot is None else _as_bytes(snapshot, "snapshot")
        with self._lock:
            self._raftstate = raftstate
            self._snapshot = snapshot

    def read_snapshot(self) -> bytes:
        with self._lock:
            return self._snapshot

    def snapshot_size(self) -> int:
        with self._lock:
            return len(self._snapshot)


def make_persister() -> Persister:
    """Go: MakePersister: an empty in-memory persister."""
    return Persister()


def _as_bytes(data: object, what: str) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"Persister.save: {what} must be bytes, not {type(data).__name__}")
