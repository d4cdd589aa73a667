"""raftapi: the Raft interface and ApplyMsg (Go: 6.5840/raftapi)."""

from raftapi.raftapi import APPLY_CLOSED, ApplyMsg, Raft

__all__ = ["APPLY_CLOSED", "ApplyMsg", "Raft"]
