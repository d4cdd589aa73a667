# skeleton: """Lab 4B/4C: the key/value server replicated with Raft (Go: kvraft1/server.go).
# skeleton:
# skeleton: Each replica is a state machine of the RSM: its RPC handlers submit requests, and the
# skeleton: RSM calls ``do_op`` on every replica with each committed request, in log order. The
# skeleton: Get and Put semantics are Lab 2's.
# skeleton: """
# solution begin
"""Lab 4B/4C: the key/value server replicated with Raft (Go: kvraft1/server.go).

Get and Put go through the RSM, so every replica applies them in the same order and
a Get sees every Put committed before it. The versioned-Put semantics are Lab 2's:
a Put installs its value only when the version matches. Duplicates need no table:
a resent Put that already took effect meets a version mismatch, and the clerk
turns that into ErrMaybe. The snapshot is just the key/value map.
"""
# solution end

from __future__ import annotations

import threading
from typing import Any

import labgob
from kvraft1.rsm import rsm as rsm_mod
from kvsrv1 import rpc
from labrpc import ClientEnd
from tester1 import IService, Persister


class KVServer:
    def __init__(self, servers: list[ClientEnd], me: int, persister: Persister, maxraftstate: int) -> None:
        self.me = me
        self._dead = threading.Event()
        # skeleton: # Your code here.
# solution begin
        self._data: dict[str, tuple[str, rpc.Tversion]] = {}  # touched only by the RSM's apply thread
# solution end
        self.rsm = rsm_mod.make_rsm(servers, me, persister, maxraftstate, self)

    # --- the state machine, called by the RSM in log order ------------------------------------

    def do_op(self, req: Any) -> Any:
        """Execute a committed request (a GetArgs or a PutArgs) and return its reply."""
        # skeleton: # Your code here.
        # skeleton: return None
        # solution begin
        if isinstance(req, rpc.GetArgs):
            entry = self._data.get(req.key)
            if entry is None:
                return rpc.GetReply(err=rpc.ErrNoKey)
            return rpc.GetReply(value=entry[0], version=entry[1], err=rpc.OK)
        if isinstance(req, rpc.PutArgs):
            entry = self._data.get(req.key)
            if entry is None:
                if req.version != 0:
                    return rpc.PutReply(err=rpc.ErrNoKey)
            elif entry[1] != req.version:
                return rpc.PutReply(err=rpc.ErrVersion)
            self._data[req.key] = (req.value, req.version + 1)
            return rpc.PutReply(err=rpc.OK)
        raise TypeError(f"KVServer.do_op: unexpected request {type(req).__qualname__}")
        # solution end

    def snapshot(self) -> bytes:
        """The state machine's state, as bytes for Raft's snapshot (4C)."""
        # skeleton: # Your code here.
        # skeleton: return b""
        # solution begin
        return labgob.encode({k: [v, ver] for k, (v, ver) in self._data.items()})
        # solution end

    def restore(self, data: bytes) -> None:
        """Replace the state by the one ``data`` (made by snapshot()) holds (4C)."""
        # skeleton: # Your code here.
        # skeleton: pass
        # solution begin
        self._data = {k: (v, ver) for k, (v, ver) in labgob.decode(data).items()}
        # solution end

    # --- RPC handlers ---------------------------------------------------------------------

    def get(self, args: rpc.GetArgs, reply: rpc.GetReply) -> None:
        # skeleton: # Your code here. Use self.rsm.submit() to submit args.
        # skeleton: # You can use Python's isinstance() on the result of submit() to see what it is.
        # skeleton: pass
        # solution begin
        err, rep = self.rsm.submit(args)
        if err != rpc.OK:
            reply.err = err
            return
        reply.value, reply.version, reply.err = rep.value, rep.version, rep.err
        # solution end

    def put(self, args: rpc.PutArgs, reply: rpc.PutReply) -> None:
        # skeleton: # Your code here. Use self.rsm.submit() to submit args.
        # skeleton: pass
        # solution begin
        err, rep = self.rsm.submit(args)
        reply.err = err if err != rpc.OK else rep.err
        # solution end

    def kill(self) -> None:
        """The tester calls kill() on a crash; it kills Raft too (the other service returned)."""
        self._dead.set()

    def killed(self) -> bool:
        return self._dead.is_set()


def start_kv_server(servers: list[ClientEnd], gid: int, me: int, persister: Persister,
                    maxraftstate: int) -> list[IService]:
    """Start a replica; returns the services the tester registers ("KVServer" and "Raft")."""
    labgob.register(rsm_mod.Op)
    labgob.register(rpc.PutArgs)
    labgob.register(rpc.GetArgs)
    kv = KVServer(servers, me, persister, maxraftstate)
    return [kv, kv.rsm.raft()]
