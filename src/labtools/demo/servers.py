"""What the demo's kvraft servers look like right now: each server's liveness, connection,
Raft term and role, persisted sizes and RPC count, read from the tester's server group. Both
the fault injector (to find the leader) and the live view (to draw the table) read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import labrpc
import raftapi
import tester1

GID = tester1.GRP0


@dataclass
class ServerView:
    up: bool
    connected: bool
    term: int | None
    is_leader: bool
    raft_bytes: int
    snapshot_bytes: int
    rpcs: int | None  # received by the current incarnation


def _raft_of(svcs: Sequence[object] | None) -> raftapi.Raft | None:
    for s in svcs or []:
        if isinstance(s, raftapi.Raft):
            return s
    return None


def server_views(grp: tester1.ServerGrp) -> list[ServerView]:
    """Ask every live server's Raft for (term, leader) and read its persisted sizes."""
    views = []
    for i, svcs in enumerate(grp.services()):
        rf = _raft_of(svcs)
        term, is_leader = rf.get_state() if rf is not None else (None, False)
        saved = grp.srvs[i].saved
        try:
            rpcs: int | None = grp.rpc_count(i)
        except labrpc.RPCError:  # crashed: its labrpc server is deleted
            rpcs = None
        views.append(ServerView(rf is not None, grp.is_connected(i), term, is_leader,
                                saved.raft_state_size() if saved else 0,
                                saved.snapshot_size() if saved else 0, rpcs))
    return views


def current_leader(views: list[ServerView]) -> int | None:
    """The leader of the highest term; a deposed leader in a minority may still think it leads."""
    leaders = [(v.term or 0, i) for i, v in enumerate(views) if v.up and v.is_leader]
    return max(leaders)[1] if leaders else None
