"""Lab 2: a single key/value server with versioned puts (Go: kvsrv1/server.go).

Each key holds a value and a version. A Put installs its value only if its version
matches the key's current one (a missing key accepts version 0 only), which makes
a Put conditional and lets clerks detect duplicates: a resent Put that already
took effect meets a version mismatch. The server therefore needs no per-client
state, which the memory test checks.
"""

from __future__ import annotations

import threading

from kvsrv1 import rpc
from labrpc import ClientEnd
from tester1 import IService, Persister


class KVServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[str, rpc.Tversion]] = {}

    def get(self, args: rpc.GetArgs, reply: rpc.GetReply) -> None:
        """Return the value and version of a key, or ErrNoKey."""
        with self._lock:
            entry = self._data.get(args.key)
        if entry is None:
            reply.err = rpc.ErrNoKey
            return
        reply.value, reply.version = entry
        reply.err = rpc.OK

    def put(self, args: rpc.PutArgs, reply: rpc.PutReply) -> None:
        """Install the value if the version matches; ErrVersion if not; ErrNoKey for a
        missing key unless the version is 0, which creates it."""
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

    def kill(self) -> None:
        """Nothing to stop: the server has no threads of its own."""


def start_kv_server(ends: list[ClientEnd], gid: int, srv: int, persister: Persister) -> list[IService]:
    return [KVServer()]
