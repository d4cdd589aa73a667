"""An emulated network that can lose, delay and reorder RPCs (Go: 6.5840/labrpc).

A caller sends through a ClientEnd; the Network routes the request to the Server
the end is connected to, which hands it to a Service (an object whose public
two-argument methods are RPC handlers). Requests and replies are copied through
labgob, so a caller and a handler never share memory.

    net = Network()
    end = net.make_end("end1")
    server = Server(); server.add_service(Service(raft)); net.add_server("s1", server)
    net.connect("end1", "s1"); net.enable("end1", True)
    ok = end.call("Raft.request_vote", args, reply)

Call returns False when the network loses the request or the reply, when the end
is disabled or not connected, or when the server is deleted while the call is in
flight; a caller cannot tell which, just as with a real network. Go runs each
request in its own goroutine; here the caller's own thread carries the request
and a pooled worker thread runs the handler, so that a handler which never
returns does not stop the caller from noticing that the server died.
"""

from __future__ import annotations

import inspect
import traceback
import random
import threading
import time
from typing import Any, Callable, Hashable

import labfatal
import labgob

SHORTDELAY = 27  # ms: the most an unreliable network delays a request
LONGDELAY = 7000  # ms: the most a call to a dead or disconnected server takes to fail
MAXDELAY = LONGDELAY + 100

# How often a caller waiting on a handler checks whether its server was killed.
_DEAD_POLL_SECONDS = 0.1


class RPCError(Exception):
    """A misuse of the network by the harness: an end that exists twice, or is missing.

    A fault in an RPC itself (an unknown service or method, arguments that do not encode,
    a reply that does not decode, a handler that raises) is fatal instead, as Go's
    ``log.Fatalf`` and panics are: it fails the running test whatever the caller does
    (labfatal)."""


class _Result:
    """A one-shot slot a worker fills and a caller waits on; a bare lock is the cheapest signal."""

    __slots__ = ("_done", "value", "error")

    def __init__(self) -> None:
        self._done = threading.Lock()
        self._done.acquire()
        self.value: Any = None
        self.error: BaseException | None = None

    def set(self, value: Any, error: BaseException | None) -> None:
        self.value = value
        self.error = error
        self._done.release()

    def wait(self, timeout: float) -> bool:
        if self._done.acquire(timeout=timeout):
            self._done.release()
            return True
        return False


class _HandlerPool:
    """Threads that run handlers. It grows as needed, since a handler may block forever."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def run(self, fn: Callable[[], Any]) -> _Result:
        result = _Result()
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker(self)
        worker.assign(fn, result)
        return result

    def park(self, worker: "_Worker") -> None:
        with self._lock:
            self._idle.append(worker)

    def retire(self, worker: "_Worker") -> bool:
        """Remove an idle worker; False if run() has just taken it (a job is on its way)."""
        with self._lock:
            if worker in self._idle:
                self._idle.remove(worker)
                return True
            return False


class _Worker:
    """One pooled thread; a bare lock, released by assign(), is its wake-up signal."""

    # A parked worker exits after this long without work, so the pool does not hoard threads.
    IDLE_SECONDS = 5.0

    def __init__(self, pool: _HandlerPool) -> None:
        self._pool = pool
        self._wake = threading.Lock()
        self._wake.acquire()
        self._job: tuple[Callable[[], Any], _Result] | None = None
        threading.Thread(target=self._loop, name="labrpc-handler", daemon=True).start()

    def assign(self, fn: Callable[[], Any], result: _Result) -> None:
        self._job = (fn, result)
        self._wake.release()

    def _loop(self) -> None:
        while True:
            if not self._wake.acquire(timeout=self.IDLE_SECONDS):
                if self._pool.retire(self):
                    return
                self._wake.acquire()  # taken by run() just now: its job is on the way
            fn, result = self._job  # type: ignore[misc]
            self._job = None
            try:
                value, error = fn(), None
            except labfatal.FatalError as e:  # recorded already; the caller re-raises it
                value, error = None, e
            except BaseException as e:
                if getattr(e, "quiet_thread_exit", False):  # a simulation taking its threads down
                    raise
                value, error = None, _handler_failed(e)
            result.set(value, error)
            self._pool.park(self)


_pool = _HandlerPool()


def _handler_failed(e: BaseException) -> labfatal.FatalError:
    """A handler raised: in Go the panic kills the test binary, whoever waits for the reply."""
    traceback.print_exception(e)
    try:
        labfatal.fatalf("labrpc: an RPC handler raised %s: %s", type(e).__name__, e)
    except labfatal.FatalError as fatal:
        return fatal


class ClientEnd:
    """One end of a connection from a client to a server."""

    def __init__(self, net: "Network", endname: Hashable) -> None:
        self._net = net
        self.endname = endname

    def call(self, svc_meth: str, args: Any, reply: Any) -> bool:
        """Send an RPC and wait for its reply, which is copied into ``reply``.

        Returns True if a reply arrived, False otherwise. ``svc_meth`` is
        ``"Service.method"``, e.g. ``"Raft.request_vote"``.
        """
        if not isinstance(svc_meth, str) or "." not in svc_meth:
            labfatal.fatalf("labrpc: ClientEnd.call(): svc_meth must look like 'Service.method', got %r",
                            svc_meth)
        if not labgob.is_registered(type(reply)):
            labfatal.fatalf("labrpc: ClientEnd.call(): the reply must be an object of a registered "
                            "dataclass, not %s; decorate its class with @labgob.register",
                            type(reply).__qualname__)
        return self._net._call(self.endname, svc_meth, args, reply)

    def __repr__(self) -> str:
        return f"ClientEnd({self.endname!r})"


class Network:
    """The emulated network: ends, servers, the connections between them, and faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reliable = True
        self._long_delays = False  # pause a long time on send on disabled connection
        self._long_reordering = False  # sometimes delay replies a long time
        self._ends: dict[Hashable, ClientEnd] = {}
        self._enabled: dict[Hashable, bool] = {}
        self._servers: dict[Hashable, Server | None] = {}
        self._connections: dict[Hashable, Hashable] = {}  # endname -> servername
        self._done = threading.Event()
        self._count = 0  # total RPC count, for statistics
        self._bytes = 0  # total bytes sent, for statistics

    def cleanup(self) -> None:
        """Shut the network down: every later call returns False at once."""
        self._done.set()

    def reliable(self, yes: bool) -> None:
        with self._lock:
            self._reliable = yes

    def is_reliable(self) -> bool:
        with self._lock:
            return self._reliable

    def long_reordering(self, yes: bool) -> None:
        with self._lock:
            self._long_reordering = yes

    def long_delays(self, yes: bool) -> None:
        with self._lock:
            self._long_delays = yes

    def is_long_delays(self) -> bool:
        with self._lock:
            return self._long_delays

    def make_end(self, endname: Hashable) -> ClientEnd:
        """Create a client end, initially disabled and connected to nothing."""
        with self._lock:
            if endname in self._ends:
                raise RPCError(f"labrpc: make_end: {endname!r} already exists")
            end = ClientEnd(self, endname)
            self._ends[endname] = end
            self._enabled[endname] = False
            self._connections.pop(endname, None)
            return end

    def delete_end(self, endname: Hashable) -> None:
        with self._lock:
            if endname not in self._ends:
                raise RPCError(f"labrpc: delete_end: {endname!r} doesn't exist")
            del self._ends[endname]
            self._enabled.pop(endname, None)
            self._connections.pop(endname, None)

    def add_server(self, servername: Hashable, rs: "Server") -> None:
        with self._lock:
            self._servers[servername] = rs

    def delete_server(self, servername: Hashable) -> None:
        with self._lock:
            self._servers[servername] = None

    def connect(self, endname: Hashable, servername: Hashable) -> None:
        """Connect a client end to a server; an end stays connected to one server for life."""
        with self._lock:
            if endname not in self._ends:
                raise RPCError(f"labrpc: connect: unknown end {endname!r}")
            self._connections[endname] = servername

    def enable(self, endname: Hashable, enabled: bool) -> None:
        with self._lock:
            if endname not in self._ends:
                raise RPCError(f"labrpc: enable: unknown end {endname!r}")
            self._enabled[endname] = enabled

    def get_count(self, servername: Hashable) -> int:
        """Incoming RPCs handled by the server now registered under ``servername``."""
        with self._lock:
            svr = self._servers.get(servername)
        if svr is None:
            raise RPCError(f"labrpc: get_count: no server {servername!r} (deleted or never added)")
        return svr.get_count()

    def get_total_count(self) -> int:
        with self._lock:
            return self._count

    def get_total_bytes(self) -> int:
        with self._lock:
            return self._bytes

    # --- the request path -------------------------------------------------------------

    def _server_is_dead(self, endname: Hashable, servername: Hashable, server: "Server") -> bool:
        with self._lock:
            return not self._enabled.get(endname, False) or self._servers.get(servername) is not server

    def _call(self, endname: Hashable, svc_meth: str, args: Any, reply: Any) -> bool:
        if self._done.is_set():
            return False
        try:
            args_bytes = labgob.encode(args)
        except labgob.LabgobError as e:
            labfatal.fatalf("labrpc: ClientEnd.call(%s): encode args: %s", svc_meth, e)
        with self._lock:
            self._count += 1
            self._bytes += len(args_bytes)
            enabled = self._enabled.get(endname, False)
            servername = self._connections.get(endname)
            server = self._servers.get(servername) if servername is not None else None
            reliable = self._reliable
            long_reordering = self._long_reordering
            long_delays = self._long_delays

        if not (enabled and server is not None):
            # Simulate no reply and an eventual timeout. Many kv tests need a client to
            # try each server in fairly rapid succession, so the delay is short unless
            # the raft tests asked for long ones.
            ms = random.randrange(LONGDELAY) if long_delays else random.randrange(100)
            time.sleep(ms / 1000)
            return False

        if not reliable:
            time.sleep(random.randrange(SHORTDELAY) / 1000)  # short delay
            if random.randrange(1000) < 100:
                return False  # drop the request, return as if timeout

        # Run the handler elsewhere, but keep an eye on the server: if it is killed,
        # stop waiting and fail the call. The handler keeps running; its reply is lost.
        result = _pool.run(lambda: server.dispatch(svc_meth, args_bytes, type(reply)))
        while not result.wait(_DEAD_POLL_SECONDS):
            if self._server_is_dead(endname, servername, server):
                return False
        if result.error is not None:
            raise result.error

        # Check again: if the server was deleted while the handler ran, its reply must not
        # get through (a deleted server's append must not look like it succeeded).
        if self._server_is_dead(endname, servername, server):
            return False
        reply_bytes: bytes = result.value
        if not reliable and random.randrange(1000) < 100:
            return False  # drop the reply, return as if timeout
        if long_reordering and random.randrange(900) < 600:
            # Delay the response for a while: 200 to 2199 ms, skewed towards short.
            ms = 200 + random.randrange(1 + random.randrange(2000))
            time.sleep(ms / 1000)
        with self._lock:
            self._bytes += len(reply_bytes)
        try:
            labgob.copy_into(labgob.decode(reply_bytes), reply)
        except labgob.LabgobError as e:
            labfatal.fatalf("ClientEnd.Call(): decode reply: %s", e)
        return True


class Server:
    """A collection of services sharing one network address (Go: labrpc.Server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._services: dict[str, Service] = {}
        self._count = 0  # incoming RPCs

    def add_service(self, svc: "Service") -> None:
        with self._lock:
            self._services[svc.name] = svc

    def dispatch(self, svc_meth: str, args_bytes: bytes, reply_type: type) -> bytes:
        with self._lock:
            self._count += 1
            service_name, _, method_name = svc_meth.rpartition(".")
            service = self._services.get(service_name)
            known = sorted(self._services)
        if service is None:
            labfatal.fatalf("labrpc.Server.dispatch(): unknown service %r in %r; expecting one of %s",
                            service_name, svc_meth, known)
        return service.dispatch(method_name, args_bytes, reply_type)

    def get_count(self) -> int:
        with self._lock:
            return self._count


def _is_handler(name: str, method: Callable[..., Any]) -> bool:
    """A handler is a public method taking exactly (args, reply), as Go's labrpc requires."""
    if name.startswith("_"):
        return False
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return len(params) == 2 and all(p.kind in positional and p.default is p.empty for p in params)


class Service:
    """An object whose handler methods can be called over the network (Go: labrpc.Service).

    The service name is the object's class name, so a Raft instance serves "Raft.*".
    """

    def __init__(self, rcvr: Any) -> None:
        self.name = type(rcvr).__name__
        self._rcvr = rcvr
        self._methods: dict[str, Callable[[Any, Any], None]] = {}
        for name in dir(type(rcvr)):
            if name.startswith("_") or not callable(getattr(type(rcvr), name, None)):
                continue
            method = getattr(rcvr, name)
            if _is_handler(name, method):
                self._methods[name] = method

    def dispatch(self, method_name: str, args_bytes: bytes, reply_type: type) -> bytes:
        method = self._methods.get(method_name)
        if method is None:
            labfatal.fatalf("labrpc.Service.dispatch(): unknown method %r in %s; expecting one of %s",
                            method_name, self.name, sorted(self._methods))
        args = labgob.decode(args_bytes)
        try:
            reply = reply_type()  # a fresh zero reply, as Go allocates one per call
        except TypeError as e:
            labfatal.fatalf("labrpc: reply type %s must be constructible with no arguments "
                            "(give every field a default): %s", reply_type.__qualname__, e)
        method(args, reply)
        try:
            return labgob.encode(reply)
        except labgob.LabgobError as e:
            labfatal.fatalf("labrpc: %s.%s: encode reply: %s", self.name, method_name, e)
