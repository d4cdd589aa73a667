"""The Go labrpc self-tests, ported test for test, plus the bad inputs of the Python port."""

from __future__ import annotations

import queue
import re
import sys
import threading
import time
from dataclasses import dataclass

import pytest

import labfatal
import labgob
from labrpc import Network, RPCError, Server, Service


@labgob.register
@dataclass
class JunkArgs:
    x: int = 0


@labgob.register
@dataclass
class JunkReply:
    x: str = ""


# Go replies into a *int or *string; Python has no pointers to ints, so replies are boxes.
@labgob.register
@dataclass
class IntReply:
    v: int = 0


@labgob.register
@dataclass
class StrReply:
    v: str = ""


class JunkServer:
    def __init__(self) -> None:
        self.mu = threading.Lock()
        self.log1: list[str] = []
        self.log2: list[int] = []

    def handler1(self, args: str, reply: IntReply) -> None:
        with self.mu:
            self.log1.append(args)
            reply.v = int(args)

    def handler2(self, args: int, reply: StrReply) -> None:
        with self.mu:
            self.log2.append(args)
            reply.v = "handler2-" + str(args)

    def handler3(self, args: int, reply: IntReply) -> None:
        with self.mu:
            time.sleep(20)
            reply.v = -args

    def handler4(self, args: JunkArgs, reply: JunkReply) -> None:
        reply.x = "pointer"

    def handler5(self, args: JunkArgs, reply: JunkReply) -> None:
        reply.x = "no pointer"

    def handler6(self, args: str, reply: IntReply) -> None:
        with self.mu:
            reply.v = len(args)

    def handler7(self, args: int, reply: StrReply) -> None:
        with self.mu:
            reply.v = "y" * args


def _setup(rn: Network, servername="server99", endname="end1-99"):
    e = rn.make_end(endname)
    js = JunkServer()
    rs = Server()
    rs.add_service(Service(js))
    rn.add_server(servername, rs)
    rn.connect(endname, servername)
    rn.enable(endname, True)
    return e, js


@pytest.fixture
def rn():
    net = Network()
    yield net
    net.cleanup()


def test_basic(rn):
    e, _ = _setup(rn)
    reply = StrReply()
    e.call("JunkServer.handler2", 111, reply)
    assert reply.v == "handler2-111", "wrong reply from Handler2"
    reply = IntReply()
    e.call("JunkServer.handler1", "9099", reply)
    assert reply.v == 9099, "wrong reply from Handler1"


def test_types(rn):
    e, _ = _setup(rn)
    reply = JunkReply()
    e.call("JunkServer.handler4", JunkArgs(), reply)
    assert reply.x == "pointer", "wrong reply from Handler4"
    reply = JunkReply()
    e.call("JunkServer.handler5", JunkArgs(), reply)
    assert reply.x == "no pointer", "wrong reply from Handler5"


def test_disconnect(rn):
    """Does enable(endname, False) really disconnect a client?"""
    e = rn.make_end("end1-99")
    rs = Server()
    rs.add_service(Service(JunkServer()))
    rn.add_server("server99", rs)
    rn.connect("end1-99", "server99")

    reply = StrReply()
    e.call("JunkServer.handler2", 111, reply)
    assert reply.v == "", "unexpected reply from Handler2"

    rn.enable("end1-99", True)
    reply2 = IntReply()
    e.call("JunkServer.handler1", "9099", reply2)
    assert reply2.v == 9099, "wrong reply from Handler1"


def test_counts(rn):
    e, _ = _setup(rn, servername=99)
    for i in range(17):
        reply = StrReply()
        e.call("JunkServer.handler2", i, reply)
        wanted = "handler2-" + str(i)
        assert reply.v == wanted, f"wrong reply {reply.v} from Handler1, expecting {wanted}"
    n = rn.get_count(99)
    assert n == 17, f"wrong GetCount() {n}, expected 17"


def test_bytes(rn):
    e, _ = _setup(rn, servername=99)
    for _ in range(17):
        args = "x" * 71
        args = args + args
        args = args + args
        reply = IntReply()
        e.call("JunkServer.handler6", args, reply)
        assert reply.v == len(args), f"wrong reply {reply.v} from Handler6, expecting {len(args)}"

    n = rn.get_total_bytes()
    assert 4828 <= n <= 6000, f"wrong GetTotalBytes() {n}, expected about 5000"

    for _ in range(17):
        args = 107
        reply = StrReply()
        e.call("JunkServer.handler7", args, reply)
        assert len(reply.v) == args, f"wrong reply len={len(reply.v)} from Handler6, expecting {args}"

    nn = rn.get_total_bytes() - n
    assert 1800 <= nn <= 2500, f"wrong GetTotalBytes() {nn}, expected about 2000"


def _run_clients(n: int, fn) -> int:
    results: queue.Queue[int] = queue.Queue()
    errors: list[BaseException] = []

    def wrap(i: int) -> None:
        count = 0
        try:
            count = fn(i)
        except BaseException as exc:  # surfaced in the test thread below
            errors.append(exc)
        finally:
            results.put(count)

    for i in range(n):
        threading.Thread(target=wrap, args=(i,)).start()
    total = sum(results.get() for _ in range(n))
    if errors:
        raise errors[0]
    return total


def test_concurrent_many(rn):
    """RPCs from concurrent ClientEnds."""
    js = JunkServer()
    rs = Server()
    rs.add_service(Service(js))
    rn.add_server(1000, rs)
    nclients, nrpcs = 20, 10

    def client(i: int) -> int:
        n = 0
        e = rn.make_end(i)
        rn.connect(i, 1000)
        rn.enable(i, True)
        for j in range(nrpcs):
            arg = i * 100 + j
            reply = StrReply()
            e.call("JunkServer.handler2", arg, reply)
            wanted = "handler2-" + str(arg)
            assert reply.v == wanted, f"wrong reply {reply.v} from Handler1, expecting {wanted}"
            n += 1
        return n

    total = _run_clients(nclients, client)
    assert total == nclients * nrpcs, f"wrong number of RPCs completed, got {total}, expected {nclients * nrpcs}"
    n = rn.get_count(1000)
    assert n == total, f"wrong GetCount() {n}, expected {total}"


def test_unreliable(rn):
    rn.reliable(False)
    rs = Server()
    rs.add_service(Service(JunkServer()))
    rn.add_server(1000, rs)
    nclients = 300

    def client(i: int) -> int:
        e = rn.make_end(i)
        rn.connect(i, 1000)
        rn.enable(i, True)
        arg = i * 100
        reply = StrReply()
        if e.call("JunkServer.handler2", arg, reply):
            wanted = "handler2-" + str(arg)
            assert reply.v == wanted, f"wrong reply {reply.v} from Handler1, expecting {wanted}"
            return 1
        return 0

    total = _run_clients(nclients, client)
    assert total not in (nclients, 0), "all RPCs succeeded despite unreliable"


def test_concurrent_one(rn):
    """Concurrent RPCs from a single ClientEnd."""
    js = JunkServer()
    rs = Server()
    rs.add_service(Service(js))
    rn.add_server(1000, rs)
    e = rn.make_end("c")
    rn.connect("c", 1000)
    rn.enable("c", True)
    nrpcs = 20

    def client(i: int) -> int:
        arg = 100 + i
        reply = StrReply()
        e.call("JunkServer.handler2", arg, reply)
        wanted = "handler2-" + str(arg)
        assert reply.v == wanted, f"wrong reply {reply.v} from Handler2, expecting {wanted}"
        return 1

    total = _run_clients(nrpcs, client)
    assert total == nrpcs, f"wrong number of RPCs completed, got {total}, expected {nrpcs}"
    with js.mu:
        assert len(js.log2) == nrpcs, "wrong number of RPCs delivered"
    n = rn.get_count(1000)
    assert n == total, f"wrong GetCount() {n}, expected {total}"


def test_regression1(rn):
    """An RPC delayed while its end is disabled must not delay later RPCs once it is enabled."""
    js = JunkServer()
    rs = Server()
    rs.add_service(Service(js))
    rn.add_server(1000, rs)
    e = rn.make_end("c")
    rn.connect("c", 1000)

    # Start some RPCs while the ClientEnd is disabled; they will be delayed.
    rn.enable("c", False)
    done: queue.Queue[bool] = queue.Queue()
    nrpcs = 20

    def client(i: int) -> None:
        e.call("JunkServer.handler2", 100 + i, StrReply())  # ought to return False
        done.put(True)

    for i in range(nrpcs):
        threading.Thread(target=client, args=(i,)).start()
    time.sleep(0.1)

    # Now enable the ClientEnd and check that an RPC completes quickly.
    t0 = time.monotonic()
    rn.enable("c", True)
    reply = StrReply()
    e.call("JunkServer.handler2", 99, reply)
    assert reply.v == "handler2-99", f"wrong reply {reply.v} from Handler2, expecting handler2-99"
    dur = time.monotonic() - t0
    assert dur <= 0.03, f"RPC took too long ({dur}) after Enable"

    for _ in range(nrpcs):
        done.get()
    with js.mu:
        assert len(js.log2) == 1, f"wrong number ({len(js.log2)}) of RPCs delivered, expected 1"
    n = rn.get_count(1000)
    assert n == 1, f"wrong GetCount() {n}, expected 1"


def test_killed(rn):
    """An RPC stuck in a server is un-stuck when the server is deleted."""
    e, _ = _setup(rn)
    done: queue.Queue[bool] = queue.Queue()
    threading.Thread(target=lambda: done.put(e.call("JunkServer.handler3", 99, IntReply())), daemon=True).start()

    time.sleep(1.0)
    with pytest.raises(queue.Empty):
        done.get(timeout=0.1)
        pytest.fail("Handler3 should not have returned yet")

    rn.delete_server("server99")
    try:
        x = done.get(timeout=0.1)
    except queue.Empty:
        pytest.fail("Handler3 should return after DeleteServer()")
    assert x is False, "Handler3 returned successfully despite DeleteServer()"


def test_benchmark(rn):
    e, _ = _setup(rn)
    t0 = time.monotonic()
    n = 100_000
    for _ in range(n):
        reply = StrReply()
        e.call("JunkServer.handler2", 111, reply)
        assert reply.v == "handler2-111", "wrong reply from Handler2"
    print(f"{time.monotonic() - t0:.3f}s for {n}")


def test_long_delay_race(rn):
    """Regression: long_delays() racing with a call in flight."""
    e, _ = _setup(rn)
    e.call("JunkServer.handler1", "9099", IntReply())
    rn.long_delays(True)
    rn.delete_server("server99")
    done = threading.Event()

    def client() -> None:
        e.call("JunkServer.handler1", "9099", IntReply())
        done.set()

    threading.Thread(target=client, daemon=True).start()
    rn.long_delays(True)
    done.wait(0.2)
    rn.long_delays(True)


# --- bad input: clear errors, never a hang or silent loss ----------------------------------
# A fault in an RPC is fatal, as Go's log.Fatalf is: it fails the running test even when the
# caller catches the exception. Each test here expects it, and takes the recorded error.


def _fatal(fn, match: str) -> str:
    """Run fn, which must meet a fatal error matching ``match``; returns the recorded message."""
    try:
        fn()
    except labfatal.FatalError:
        pass
    except Exception:
        pass  # what a student's catch-all would do: the error is recorded all the same
    messages = labfatal.take()
    assert len(messages) >= 1 and re.search(match, messages[0]), messages
    return messages[0]


def test_unknown_method_names_known_ones(rn):
    e, _ = _setup(rn)
    _fatal(lambda: e.call("JunkServer.nosuch", 1, StrReply()),
           r"^labrpc.Service.dispatch\(\): unknown method 'nosuch' in JunkServer; expecting one of \['handler1'")


def test_unknown_service_names_known_ones(rn):
    e, _ = _setup(rn)
    _fatal(lambda: e.call("Nope.handler2", 1, StrReply()),
           r"^labrpc.Server.dispatch\(\): unknown service 'Nope' in 'Nope.handler2'; expecting one of \['JunkServer'\]")


def test_malformed_method_string(rn):
    e, _ = _setup(rn)
    _fatal(lambda: e.call("handler2", 1, StrReply()), "Service.method")


def test_unregistered_reply_type(rn):
    e, _ = _setup(rn)

    @dataclass
    class Unregistered:
        v: str = ""

    _fatal(lambda: e.call("JunkServer.handler2", 1, Unregistered()), "registered dataclass.*Unregistered")


def test_unregistered_args_type(rn):
    e, _ = _setup(rn)

    class Opaque:
        pass

    _fatal(lambda: e.call("JunkServer.handler2", Opaque(), StrReply()), "encode args: .*unregistered type.*Opaque")


def test_duplicate_and_missing_ends(rn):
    rn.make_end("a")
    with pytest.raises(RPCError, match="already exists"):
        rn.make_end("a")
    with pytest.raises(RPCError, match="doesn't exist"):
        rn.delete_end("b")
    with pytest.raises(RPCError, match="unknown end"):
        rn.connect("b", "server")


def test_get_count_of_deleted_server(rn):
    _setup(rn)
    rn.delete_server("server99")
    with pytest.raises(RPCError, match="no server 'server99'"):
        rn.get_count("server99")


def test_handler_exception_is_fatal_even_if_the_caller_catches_it(rn):
    e, _ = _setup(rn)
    _fatal(lambda: e.call("JunkServer.handler1", "not a number", IntReply()),
           "an RPC handler raised ValueError")


class ExitingServer(JunkServer):
    def exits(self, args: int, reply: IntReply) -> None:
        sys.exit(3)


def test_a_handler_that_calls_sys_exit_is_fatal_too(rn):
    """Go's os.Exit in a handler ends the whole test; here it must not just end a pooled thread."""
    e = rn.make_end("to-exiting")
    rs = Server()
    rs.add_service(Service(ExitingServer()))
    rn.add_server("exiting", rs)
    rn.connect("to-exiting", "exiting")
    rn.enable("to-exiting", True)
    _fatal(lambda: e.call("ExitingServer.exits", 1, IntReply()), "an RPC handler raised SystemExit")


class DyingServer(JunkServer):
    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()

    def slow_then_raise(self, args: int, reply: IntReply) -> None:
        self.started.set()
        time.sleep(0.3)
        raise RuntimeError("raised after the server was deleted")


def test_handler_exception_is_fatal_even_if_the_server_is_dying(rn):
    e = rn.make_end("to-dying")
    js = DyingServer()
    rs = Server()
    rs.add_service(Service(js))
    rn.add_server("dying", rs)
    rn.connect("to-dying", "dying")
    rn.enable("to-dying", True)
    result: list[bool] = []
    t = threading.Thread(target=lambda: result.append(e.call("DyingServer.slow_then_raise", 1, IntReply())))
    t.start()
    assert js.started.wait(5)
    with pytest.raises(labfatal.FatalError, match="raised after the server was deleted"):
        with labfatal.deferred():  # the handler's error is held until the block ends
            rn.delete_server("dying")
            t.join(5)
            time.sleep(0.5)
    assert result == [False]  # the caller saw only a lost reply
    assert any("raised after the server was deleted" in m for m in labfatal.take())


def test_call_after_cleanup_returns_false_at_once():
    net = Network()
    e, _ = _setup(net)
    net.cleanup()
    t0 = time.monotonic()
    assert e.call("JunkServer.handler2", 1, StrReply()) is False
    assert time.monotonic() - t0 < 0.05


def test_caller_and_handler_share_no_memory(rn):
    seen = []

    class Mutator:
        def mutate(self, args: list, reply: StrReply) -> None:
            args.append("server side")
            seen.append(args)
            reply.v = "done"

    rs = Server()
    rs.add_service(Service(Mutator()))
    rn.add_server("m", rs)
    e = rn.make_end("me")
    rn.connect("me", "m")
    rn.enable("me", True)
    mine = ["client side"]
    reply = StrReply()
    assert e.call("Mutator.mutate", mine, reply)
    assert mine == ["client side"] and seen[0] == ["client side", "server side"]
    assert seen[0] is not mine
