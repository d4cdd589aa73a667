# skeleton: """Lab 2: a single key/value server with versioned puts (Go: kvsrv1/server.go).
# skeleton:
# skeleton: Each key holds a value and a version number. Clerks call ``get`` and ``put`` through
# skeleton: labrpc ("KVServer.get", "KVServer.put"); the RPC types are in kvsrv1/rpc.
# skeleton: """
# solution begin
"""Lab 2: a single key/value server with versioned puts (Go: kvsrv1/server.go).

Each key holds a value and a version. A Put installs its value only if its version
matches the key's current one (a missing key accepts version 0 only), which makes
a Put conditional and lets clerks detect duplicates: a resent Put that already
took effect meets a version mismatch. The server therefore needs no per-client
state, which the memory test checks.
"""
# solution end

from __future__ import annotations

import threading

from kvsrv1 import rpc
from labrpc import ClientEnd
from tester1 import IService, Persister


class KVServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # skeleton: # Your code here.
        # solution begin
        self._data: dict[str, tuple[str, rpc.Tversion]] = {}
        # solution end

    def get(self, args: rpc.GetArgs, reply: rpc.GetReply) -> None:
        """Reply with the value and version of args.key, or ErrNoKey if it does not exist."""
        # skeleton: # Your code here.
        # solution begin
        with self._lock:
            entry = self._data.get(args.key)
        if entry is None:
            reply.err = rpc.ErrNoKey
            return
        reply.value, reply.version = entry
        reply.err = rpc.OK
        # solution end

    def put(self, args: rpc.PutArgs, reply: rpc.PutReply) -> None:
        """Update the value of args.key if args.version matches the key's version on the
        server; if it does not, reply ErrVersion. A missing key is created if args.version
        is 0, and otherwise the reply is ErrNoKey."""
        # skeleton: # Your code here.
        # solution begin
        with self._lock:
            entry = self._data.get(args.key)
            if entry is None:
                if args.version != 0:
                    reply.err = rpc.ErrNoKey
                    return
            elif entry[1] != args.version:
                reply.err = rpc.ErrVersion
                return
            self._data[args.key] = (args.value, args.version + 1)
        reply.err = rpc.OK
        # solution end

    def kill(self) -> None:
        """The tester calls kill() when it is done with the server (a crash in later labs)."""


def start_kv_server(ends: list[ClientEnd], gid: int, srv: int, persister: Persister) -> list[IService]:
    return [KVServer()]
