"""Server groups: start, crash, restart, connect and partition servers (Go: tester1/group.go).

Each server gets one end per peer, itself included; ``connect(i, to)`` enables the
ends in both directions between i and every connected server in ``to``. A restart
builds new ends and a new labrpc server, and hands the new instance a copy of the
state its predecessor saved before it was shut down.
"""

from __future__ import annotations

import functools
import threading
from typing import Callable

import labfatal
import labrpc
from tester1.persister import Persister
from tester1.srv import IService, Server, kill_services
from tester1.util import Tgid, server_name

FStartServer = Callable[[list[labrpc.ClientEnd], Tgid, int, Persister], list[IService]]
PersisterFactory = Callable[[Tgid, int], Persister]
"""Makes the first persister of server i of group gid (memory, or disk in disk mode)."""


class Groups:
    def __init__(self, net: labrpc.Network, new_persister: PersisterFactory) -> None:
        self._lock = threading.Lock()
        self._net = net
        self._new_persister = new_persister
        self._grps: dict[Tgid, ServerGrp] = {}

    def make_group(self, gid: Tgid, nsrv: int, mks: FStartServer) -> None:
        with self._lock:
            self._grps[gid] = ServerGrp(self._net, gid, nsrv, mks, self._new_persister)

    def lookup_group(self, gid: Tgid) -> "ServerGrp":
        with self._lock:
            grp = self._grps.get(gid)
        if grp is None:
            raise KeyError(f"tester: no server group {gid}")
        return grp

    def delete(self, gid: Tgid) -> None:
        with self._lock:
            self._grps.pop(gid, None)

    def cleanup(self) -> None:
        with self._lock:
            grps = list(self._grps.values())
        first: labfatal.FatalError | None = None
        for sg in grps:
            try:
                sg.cleanup()
            except labfatal.FatalError as e:
                first = first or e  # recorded already; clean up the other groups first
        if first is not None:
            raise first


class ServerGrp:
    def __init__(self, net: labrpc.Network, gid: Tgid, n: int, mks: FStartServer,
                 new_persister: PersisterFactory) -> None:
        self._lock = threading.Lock()
        self.net = net
        self.gid = gid
        self.mks = mks
        self.srvs = [Server(net, gid, n, functools.partial(new_persister, gid, i)) for i in range(n)]
        self.connected = [False] * n  # whether each server is on the net
        self.servernames = [server_name(gid, i) for i in range(n)]

    def n(self) -> int:
        return len(self.srvs)

    def srv_names(self) -> list[str]:
        return self.servernames

    def srv_name(self, i: int) -> str:
        return self.servernames[i]

    def services(self) -> list[list[IService] | None]:
        return [s.svcs for s in self.srvs]

    def srv_names_to(self, to: list[int]) -> list[str]:
        return [self.servernames[i] for i in to]

    def _all(self) -> list[int]:
        return list(range(len(self.srvs)))

    def connect_all(self) -> None:
        for i in range(len(self.srvs)):
            self.connect_one(i)

    def connect_one(self, i: int) -> None:
        self._connect(i, self._all())

    def cleanup(self) -> None:
        first: labfatal.FatalError | None = None
        for s in self.srvs:
            try:
                kill_services(s.svcs)
            except labfatal.FatalError as e:
                first = first or e  # recorded already; kill the other servers first
        if first is not None:
            raise first

    def _connect(self, i: int, to: list[int]) -> None:
        """Attach server i to the servers in ``to``, in both directions."""
        with self._lock:
            self.connected[i] = True
        self.srvs[i].connect(self, to)  # outgoing ends
        for j in to:
            if self.is_connected(j):
                self.net.enable(self.srvs[j].end_names[i], True)  # incoming ends

    def _disconnect(self, i: int, from_: list[int]) -> None:
        """Detach server i from the servers in ``from_``, in both directions."""
        with self._lock:
            self.connected[i] = False
        self.srvs[i].disconnect(from_)
        for j in from_:
            self.net.enable(self.srvs[j].end_names[i], False)

    def disconnect_all(self, i: int) -> None:
        self._disconnect(i, self._all())

    def is_connected(self, i: int) -> bool:
        with self._lock:
            return self.connected[i]

    def get_connected(self) -> list[bool]:
        """The live list (Go returns its slice, not a copy)."""
        return self.connected

    def log_size(self) -> int:
        """The largest persisted Raft state in the group, in bytes."""
        return max((s.saved.raft_state_size() for s in self.srvs if s.saved is not None), default=0)

    def snapshot_size(self) -> int:
        return max((s.saved.snapshot_size() for s in self.srvs if s.saved is not None), default=0)

    def start_server(self, i: int) -> None:
        """Start a new incarnation of server i; it is not connected until connect_one/connect_all."""
        srv = self.srvs[i].start_server(self.gid)
        self.srvs[i] = srv
        # Not interrupted half-way: a Raft whose threads run but that is not yet in svcs
        # would never be killed. A fatal error meanwhile is raised once svcs is set.
        with labfatal.deferred():
            srv.svcs = self.mks(srv.clnt_ends, self.gid, i, srv.saved)
        labsrv = labrpc.Server()
        for svc in srv.svcs:
            labsrv.add_service(labrpc.Service(svc))
        self.net.add_server(server_name(self.gid, i), labsrv)

    def start_servers(self) -> None:
        for i in range(len(self.srvs)):
            self.start_server(i)
        self.connect_all()

    def shutdown_server(self, i: int) -> None:
        """Crash server i: cut it off, delete its labrpc server, then kill its services.

        The labrpc server is deleted before the persister is copied, so a reply from
        the dead instance can no longer reach anyone once its successor may start.
        """
        self._disconnect(i, self._all())
        self.net.delete_server(server_name(self.gid, i))
        self.srvs[i].shutdown_server()

    def shutdown(self) -> None:
        for i in range(len(self.srvs)):
            self.shutdown_server(i)

    def make_partition(self, l: int) -> tuple[list[int], list[int]]:
        """A majority without l, and a minority that ends with l."""
        n = len(self.srvs)
        others = [i for i in range(n) if i != l]
        p1 = others[: n // 2 + 1]
        p2 = others[n // 2 + 1:] + [l]
        return p1, p2

    def partition(self, p1: list[int], p2: list[int]) -> None:
        for i in p1:
            self._disconnect(i, p2)
            self._connect(i, p1)
        for i in p2:
            self._disconnect(i, p1)
            self._connect(i, p2)

    def rpc_count(self, server: int) -> int:
        """RPCs received by the current incarnation of ``server``."""
        return self.net.get_count(server_name(self.gid, server))
