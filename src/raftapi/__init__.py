"""raftapi: the Raft interface, ApplyMsg, and the apply channel (Go: 6.5840/raftapi)."""

from raftapi.channel import Channel, ChannelClosed
from raftapi.raftapi import ApplyMsg, Raft

__all__ = ["ApplyMsg", "Channel", "ChannelClosed", "Raft"]
