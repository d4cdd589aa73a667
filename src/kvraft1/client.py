# skeleton: """Lab 4B: the clerk of the replicated key/value service (Go: kvraft1/client.go).
# skeleton:
# skeleton: The clerk knows every server (``servers``) and sends each RPC to one of them with
# skeleton: ``self.clnt.call(server, "KVServer.get", args, reply)``; a server that is not the
# skeleton: leader answers ErrWrongLeader. The Get and Put semantics are Lab 2's.
# skeleton: """
# solution begin
"""Lab 4B: the clerk of the replicated key/value service (Go: kvraft1/client.go).

The clerk remembers which server answered last, since that is usually the leader,
and otherwise tries the servers in turn. As in Lab 2, a Put that meets ErrVersion
on a resend reports ErrMaybe, because an earlier copy may have taken effect: a lost
reply, or a leader that lost its leadership after starting the entry, leaves the
outcome unknown.
"""
# solution end

from __future__ import annotations

import time

import tester1
from kvsrv1 import rpc

# solution begin
ROUND_PAUSE = 0.1  # seconds to wait after every server in turn said it is not the leader
# solution end


class Clerk:
    def __init__(self, clnt: tester1.Clnt, servers: list[str]) -> None:
        self.clnt = clnt
        self.servers = servers
        # skeleton: # You may add code here.
# solution begin
        self.leader = 0
# solution end

    # solution begin
    def _call(self, method: str, args: object, make_reply):
        """Call servers until one that leads answers; returns (reply, first_attempt)."""
        first = True
        tried = 0
        while True:
            reply = make_reply()
            server = self.servers[self.leader]
            if self.clnt.call(server, method, args, reply) and reply.err != rpc.ErrWrongLeader:
                return reply, first
            first = False
            self.leader = (self.leader + 1) % len(self.servers)
            tried += 1
            if tried % len(self.servers) == 0:
                time.sleep(ROUND_PAUSE)
    # solution end

    def get(self, key: str) -> tuple[str, rpc.Tversion, rpc.Err]:
        """Fetch a key's value and version; ErrNoKey if missing. Keeps trying otherwise."""
        # skeleton: # You will have to modify this function.
        # skeleton: return "", 0, ""
# solution begin
        reply, _ = self._call("KVServer.get", rpc.GetArgs(key), rpc.GetReply)
        return reply.value, reply.version, reply.err
        # solution end

    def put(self, key: str, value: str, version: rpc.Tversion) -> rpc.Err:
        """Install value at key if version matches; ErrMaybe when a resend met ErrVersion
        (an earlier RPC may have taken effect, or not)."""
        # skeleton: # You will have to modify this function.
        # skeleton: return ""
# solution begin
        reply, first = self._call("KVServer.put", rpc.PutArgs(key, value, version), rpc.PutReply)
        if reply.err == rpc.ErrVersion and not first:
            return rpc.ErrMaybe
        return reply.err
        # solution end


def make_clerk(clnt: tester1.Clnt, servers: list[str]) -> Clerk:
    return Clerk(clnt, servers)
