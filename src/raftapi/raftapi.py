"""The interface between Raft and the code that uses it (Go: 6.5840/raftapi).

The tester, the rsm layer and the KV server all speak to Raft only through
``Raft`` and the ``ApplyMsg`` values Raft sends on its apply channel, a ``Channel``
(channel.py) that Raft closes when it is killed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Raft(Protocol):
    def start(self, command: Any) -> tuple[int, int, bool]:
        """Propose ``command``; returns (index, term, is_leader) at once, without waiting for agreement."""
        ...

    def get_state(self) -> tuple[int, bool]:
        """Returns (current_term, is_leader)."""
        ...

    def snapshot(self, index: int, snapshot: bytes) -> None:
        """The service has a snapshot of everything up to and including ``index``; trim the log (3D)."""
        ...

    def persist_bytes(self) -> int:
        """Size in bytes of the persisted Raft state (the rsm layer decides when to snapshot)."""
        ...

    def kill(self) -> None:
        """Stop every thread of this instance; its applier then closes the apply channel."""
        ...


@dataclass
class ApplyMsg:
    """What Raft delivers on the apply channel: a committed command, or a snapshot to install."""

    command_valid: bool = False
    command: Any = None
    command_index: int = 0

    snapshot_valid: bool = False
    snapshot: bytes = b""
    snapshot_term: int = 0
    snapshot_index: int = 0
