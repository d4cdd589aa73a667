"""Where a server keeps its Raft state and snapshot across a crash (Go: tester1/persister.go).

The tester hands each started server a Persister holding what its previous
incarnation saved. ``save`` replaces both parts at once, so a crash can never
leave a new Raft state beside an old snapshot.
"""

from __future__ import annotations

import threading


class Persister:
    """The in-memory persister: bytes objects are immutable, so copies may share them.

    Besides Go's API (``save``), it has the asynchronous one the disk persister
    needs, so that a Raft written against it runs on either: ``save_async``
    returns a generation number and ``wait_durable(gen)`` returns once that
    generation is stable. Here every save is stable at once, which
    ``writes_in_background = False`` tells a caller that wants to skip the waiting.
    """

    writes_in_background = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raftstate = b""
        self._snapshot = b""
        self._gen = 0

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
            self._gen += 1

    def save_async(self, raftstate: bytes, snapshot: bytes | None, snapshot_index: int = -1,
                   snapshot_term: int = -1) -> int:
        """Save, and return the save's generation (the index and term label a disk snapshot)."""
        self.save(raftstate, snapshot)
        with self._lock:
            return self._gen

    def wait_durable(self, gen: int) -> None:
        """Memory is as stable as this persister gets: every save is durable when made."""

    def durable_generation(self) -> int:
        with self._lock:
            return self._gen

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
