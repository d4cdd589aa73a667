"""One server slot of a group: its outgoing ends, its saved state, its services (Go: tester1/srv.go)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable, Protocol

import labfatal
import labrpc
from tester1.persister import Persister, make_persister
from tester1.util import randstring, server_name

if TYPE_CHECKING:
    from tester1.group import ServerGrp


class IService(Protocol):
    """Anything a start function returns: the tester kills it at shutdown."""

    def kill(self) -> None: ...


def kill_services(svcs: list[IService] | None) -> None:
    """Kill each service. A fatal error in one kill() (a Raft that closes its channel twice)
    must not spare the services after it: it is raised again once all are killed."""
    first: labfatal.FatalError | None = None
    for svc in svcs or []:
        if svc is None:
            continue
        try:
            svc.kill()
        except labfatal.FatalError as e:
            first = first or e
    if first is not None:
        raise first


class Server:
    """A server's incarnation: a fresh set of ends per start, so a dead incarnation's
    in-flight RPCs can never reach anyone through the new one's ends."""

    def __init__(self, net: labrpc.Network, gid: int, nsrv: int,
                 new_persister: Callable[[], Persister] = make_persister) -> None:
        self._lock = threading.Lock()
        self.net = net
        self._new_persister = new_persister
        self.saved: Persister | None = None
        self.svcs: list[IService] | None = None
        self.end_names = [randstring(20) for _ in range(nsrv)]
        self.clnt_ends = []
        for j, name in enumerate(self.end_names):
            self.clnt_ends.append(net.make_end(name))
            net.connect(name, server_name(gid, j))

    def start_server(self, gid: int) -> "Server":
        """The next incarnation: new ends, and a copy of what this one saved."""
        srv = Server(self.net, gid, len(self.end_names), self._new_persister)
        srv.saved = self.saved.copy() if self.saved is not None else self._new_persister()
        return srv

    def connect(self, sg: "ServerGrp", to: list[int]) -> None:
        with self._lock:
            for j in to:
                if sg.is_connected(j):
                    self.net.enable(self.end_names[j], True)

    def disconnect(self, from_: list[int]) -> None:
        with self._lock:
            for j in from_:
                self.net.enable(self.end_names[j], False)

    def shutdown_server(self) -> None:
        with self._lock:
            # Copy first: the dying instance may keep writing to the old persister,
            # and nothing it writes from now on may reach its successor.
            if self.saved is not None:
                self.saved = self.saved.copy()
            kill_services(self.svcs)
            self.svcs = None
