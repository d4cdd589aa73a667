"""Clerk-side ends: each client reaches each server through an end of its own (Go: tester1/clnts.go)."""

from __future__ import annotations

import threading
from typing import Any

import labrpc
from tester1.util import randstring


class Clnt:
    """A client's view of the network; ``srvs is None`` means it may reach every server."""

    def __init__(self, net: labrpc.Network, srvs: list[str] | None) -> None:
        self._lock = threading.Lock()
        self._net = net
        self._ends: dict[str, tuple[str, labrpc.ClientEnd]] = {}
        self._srvs = srvs

    def _allowed(self, server: str) -> bool:
        return self._srvs is None or server in self._srvs

    def _make_end(self, server: str) -> labrpc.ClientEnd:
        with self._lock:
            known = self._ends.get(server)
            if known is not None:
                return known[1]
            name = randstring(20)
            end = self._net.make_end(name)
            self._net.connect(name, server)
            self._net.enable(name, self._allowed(server))
            self._ends[server] = (name, end)
            return end

    def call(self, server: str, method: str, args: Any, reply: Any) -> bool:
        return self._make_end(server).call(method, args, reply)

    def connect_all(self) -> None:
        with self._lock:
            for name, _ in self._ends.values():
                self._net.enable(name, True)
            self._srvs = None

    def connect_to(self, srvs: list[str]) -> None:
        """Allow ``srvs`` too; ends to other servers are left as they are (as in Go)."""
        with self._lock:
            self._srvs = srvs
            for srv, (name, _) in self._ends.items():
                if self._allowed(srv):
                    self._net.enable(name, True)

    def disconnect(self, srv: str) -> None:
        with self._lock:
            entry = self._ends.get(srv)
            if entry is not None:
                self._net.enable(entry[0], False)

    def disconnect_all(self) -> None:
        with self._lock:
            for name, _ in self._ends.values():
                self._net.enable(name, False)
            self._srvs = []

    def remove(self) -> None:
        with self._lock:
            for name, _ in self._ends.values():
                self._net.delete_end(name)
            self._ends.clear()


class Clnts:
    """The registry of a test's clients, so cleanup can remove their ends."""

    def __init__(self, net: labrpc.Network) -> None:
        self._lock = threading.Lock()
        self._net = net
        self._clerks: dict[int, Clnt] = {}

    def make_client(self) -> Clnt:
        return self.make_client_to(None)

    def make_client_to(self, srvs: list[str] | None) -> Clnt:
        with self._lock:
            clnt = Clnt(self._net, None if srvs is None else list(srvs))
            self._clerks[id(clnt)] = clnt
            return clnt

    def delete_client(self, clnt: Clnt) -> None:
        with self._lock:
            if self._clerks.pop(id(clnt), None) is not None:
                clnt.remove()

    def cleanup(self) -> None:
        with self._lock:
            for clnt in self._clerks.values():
                clnt.remove()
            self._clerks.clear()
