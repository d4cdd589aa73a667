# skeleton: """Lab 2: the clerk of the single key/value server (Go: kvsrv1/client.go).
# skeleton:
# skeleton: A test makes a clerk per client, and calls get and put on it. The clerk sends RPCs
# skeleton: with ``self.clnt.call(self.server, "KVServer.get", args, reply)``, which returns True
# skeleton: if a reply came back; on an unreliable network requests and replies may be lost.
# skeleton: """
# solution begin
"""Lab 2: the clerk of the single key/value server (Go: kvsrv1/client.go).

The network may drop a request or its reply, so the clerk resends until it gets
an answer. A Put that gets ErrVersion on a resend cannot tell whether an earlier
copy took effect (and the version moved on because of it) or another client got
there first, so it reports ErrMaybe; on the first attempt ErrVersion is certain.
"""
# solution end

from __future__ import annotations

import time

import tester1
from kvsrv1 import rpc

# solution begin
RETRY_INTERVAL = 0.1  # seconds between resends of a lost RPC
# solution end


class Clerk:
    def __init__(self, clnt: tester1.Clnt, server: str) -> None:
        self.clnt = clnt
        self.server = server

    def get(self, key: str) -> tuple[str, rpc.Tversion, rpc.Err]:
        """Fetch a key's value and version; ("", 0, ErrNoKey) if it does not exist.
        Keeps trying forever in the face of all other errors."""
        # skeleton: # You will have to modify this function.
        # skeleton: return "", 0, ""
        # solution begin
        args = rpc.GetArgs(key)
        while True:
            reply = rpc.GetReply()
            if self.clnt.call(self.server, "KVServer.get", args, reply):
                return reply.value, reply.version, reply.err
            time.sleep(RETRY_INTERVAL)
        # solution end

    def put(self, key: str, value: str, version: rpc.Tversion) -> rpc.Err:
        """Install value at key if version matches the server's.

        ErrVersion on the first RPC: the put did not happen. ErrVersion on a resend: the
        earlier RPC may have taken effect (its reply was lost) or not, so return ErrMaybe.
        """
        # skeleton: # You will have to modify this function.
        # skeleton: return ""
        # solution begin
        args = rpc.PutArgs(key, value, version)
        first = True
        while True:
            reply = rpc.PutReply()
            if self.clnt.call(self.server, "KVServer.put", args, reply):
                if reply.err == rpc.ErrVersion and not first:
                    return rpc.ErrMaybe
                return reply.err
            first = False
            time.sleep(RETRY_INTERVAL)
        # solution end


def make_clerk(clnt: tester1.Clnt, server: str) -> Clerk:
    return Clerk(clnt, server)
