"""The detector's own tests: each check must report the wrong variants and stay silent on the right ones.

Every test installs the detector on this module (its classes below are the watched ones,
its locks the tracked ones) and removes it afterwards, so these run in the plain suite and
under LABS_RACE=1 alike.
"""

from __future__ import annotations

import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import labgob
import labrace
from labrpc import Network, Server, Service
from raftapi import Channel

# These tests judge the detector's reports themselves: the session's verdict keeps out.
pytestmark = pytest.mark.labrace_exempt

WATCH = {__name__: ("Node", "Server")}


@pytest.fixture(autouse=True)
def detector() -> Iterator[None]:
    """This module watched instead of the labs; the session's set-up restored afterwards."""
    with labrace.watching(WATCH):
        yield


def run(*targets: Callable[[], None], name: str = "worker") -> None:
    """Run each target in a thread of its own, one after another, with the threads alive
    together: no luck is needed to race, and nothing orders one's accesses before the next's
    (the detector does not follow semaphores or barriers, only starts, joins, events and
    queues). The threads are joined once all are done."""
    done = threading.Semaphore(0)
    hold = threading.Barrier(len(targets))

    def body(target: Callable[[], None]) -> None:
        try:
            target()
        finally:
            done.release()
            hold.wait()

    ths = [threading.Thread(target=body, args=(t,), name=f"{name}-{i}") for i, t in enumerate(targets)]
    for th in ths:
        th.start()
        done.acquire()
    for th in ths:
        th.join()


def reports(kind: str) -> list[labrace.Report]:
    found = labrace.take()
    assert all(r.kind == kind for r in found), [r.kind for r in found]
    return found


class Node:
    """A lab object: a lock, a counter, a name, and whatever a test adds."""

    def __init__(self) -> None:
        self.mu = threading.Lock()
        self.cond = threading.Condition(self.mu)
        self.count = 0
        self.name = "node"


# ----------------------------------------------------------------------------- data races

def test_unlocked_counter_written_by_two_threads_is_a_race() -> None:
    node = Node()

    def bump() -> None:
        node.count += 1

    run(bump, bump)
    [r] = reports("WARNING: DATA RACE")
    text = r.format()
    assert "Node.count is shared by threads, written, and no lock is held at every access" in text
    assert re.search(r"Write at Node.count by thread worker-1, holding no lock:\n  bump\(\)\n"
                     r"      labrace/labrace_test.py:\d+", text), text
    assert "Previous write at Node.count by thread worker-0, holding no lock:" in text
    assert "Thread worker-1 created at:" in text and "Thread worker-0 created at:" in text
    assert text.startswith("==================\nWARNING: DATA RACE\n") and text.endswith("==================")


def test_written_under_the_lock_but_read_without_it_is_a_race() -> None:
    node = Node()

    def write() -> None:
        with node.mu:
            node.count += 1

    def read() -> None:
        assert node.count == 1

    run(write, read)
    assert labrace.take() == []  # shared, read-only so far: Eraser waits for the next write
    run(write)
    [r] = reports("WARNING: DATA RACE")
    assert "Write at Node.count by thread worker-0, holding Node.mu" in r.format()
    assert "Previous read at Node.count by thread worker-1, holding no lock" in r.format()


def test_two_different_locks_protect_nothing() -> None:
    node = Node()
    other = threading.Lock()

    def with_mu() -> None:
        with node.mu:
            node.count += 1

    def with_other() -> None:
        with other:
            node.count += 1

    run(with_mu, with_other)
    assert labrace.take() == []  # Eraser starts refining when a second thread comes
    run(with_mu)
    [r] = reports("WARNING: DATA RACE")
    assert "Node.count" in r.summary


def test_unlocked_write_by_the_creator_after_its_threads_start_is_a_race() -> None:
    node = Node()
    started = threading.Semaphore(0)  # not followed: the two accesses stay unordered
    go_on = threading.Semaphore(0)

    def reader() -> None:
        with node.mu:
            node.count += 1
        started.release()
        go_on.acquire()

    th = threading.Thread(target=reader, name="reader")
    th.start()
    started.acquire()
    node.count = 7  # the main thread, no lock, while the reader runs
    go_on.release()
    th.join()
    [r] = reports("WARNING: DATA RACE")
    assert re.search(r"Write at Node.count by thread MainThread, holding no lock", r.format()), r.format()


def test_a_race_is_reported_once_per_field() -> None:
    node = Node()

    def bump() -> None:
        for _ in range(100):
            node.count += 1

    run(bump, bump, bump)
    assert len(reports("WARNING: DATA RACE")) == 1


def test_fields_set_before_the_threads_start_and_then_only_read_are_not_a_race() -> None:
    node = Node()
    node.name = "set up first"
    node.peers = [1, 2, 3]

    def read() -> None:
        assert node.name == "set up first" and len(node.peers) == 3

    run(read, read, read)
    assert labrace.take() == []


def test_a_field_always_read_and_written_under_the_lock_is_not_a_race() -> None:
    node = Node()

    def bump() -> None:
        for _ in range(50):
            with node.mu:
                node.count += 1

    ths = [threading.Thread(target=bump) for _ in range(4)]
    for th in ths:
        th.start()
    with node.mu:
        node.count += 1
    for th in ths:
        th.join()
    with node.mu:
        assert node.count == 201
    assert labrace.take() == []


def test_an_object_handed_to_a_thread_started_after_it_was_built_is_not_shared() -> None:
    node = Node()
    node.count = 1  # built by the main thread, then used by one worker only

    def own() -> None:
        node.count += 1
        inner = threading.Thread(target=lambda: setattr(node, "count", node.count + 1), name="grandchild")
        inner.start()
        inner.join()

    run(own)
    assert node.count == 3
    assert labrace.take() == []


@pytest.mark.parametrize("hand_off", ["Event", "queue.Queue", "Channel", "join"])
def test_an_object_passed_from_thread_to_thread_by_a_hand_off_is_not_shared(hand_off: str) -> None:
    """A test's clerk, used by one client thread and, once that one is done, by the next (as
    kvraft's generic test does): the hand-off orders the uses, as it does for Go's detector."""
    node = Node()
    sync: Any = {"Event": threading.Event, "queue.Queue": queue.Queue, "Channel": Channel}.get(hand_off, lambda: None)()
    second_done = threading.Event()

    def first() -> None:
        node.count += 1
        if hand_off == "Event":
            sync.set()
        elif hand_off != "join":
            sync.put("yours")

    def second() -> None:
        node.count += 1
        second_done.set()

    th = threading.Thread(target=first, name="first")
    th.start()
    if hand_off == "Event":
        assert sync.wait(5)
    elif hand_off == "join":
        th.join()
    else:
        assert sync.get(timeout=5) == "yours"
    threading.Thread(target=second, name="second").start()  # started after the hand-off
    assert second_done.wait(5)
    th.join()
    assert node.count == 2
    assert labrace.take() == []


def test_the_same_passing_without_a_hand_off_is_a_race() -> None:
    node = Node()
    first_done = threading.Semaphore(0)  # a signal the detector does not follow

    def first() -> None:
        node.count += 1
        first_done.release()

    def second() -> None:
        node.count += 1

    run(first)  # joined: ordered before what follows
    th = threading.Thread(target=first, name="first-again")
    th.start()
    first_done.acquire()
    first_done.acquire()
    run(second)
    th.join()
    [r] = reports("WARNING: DATA RACE")
    assert "Write at Node.count by thread worker-0" in r.format() and "first-again" in r.format()


def test_methods_and_class_attributes_are_not_fields() -> None:
    class Derived(Node):
        LIMIT = 3

        def limit(self) -> int:
            return self.LIMIT

    node = Derived()
    run(node.limit, node.limit)
    assert labrace.take() == []


# ------------------------------------------------------------------ blocking while holding

@labgob.register
@dataclass
class PingReply:
    v: int = 0


class Server:
    def __init__(self) -> None:
        self.mu = threading.Lock()

    def ping(self, args: int, reply: PingReply) -> None:
        reply.v = args


@pytest.fixture
def end() -> Iterator[object]:
    net = Network()
    server = Server()
    rs = Server_ = labrpc_server(server)
    net.add_server("s", rs)
    e = net.make_end("e")
    net.connect("e", "s")
    net.enable("e", True)
    try:
        yield e
    finally:
        net.cleanup()
    del Server_


def labrpc_server(rcvr: object) -> Server:
    rs = __import__("labrpc").Server()
    rs.add_service(Service(rcvr))
    return rs


def test_an_rpc_while_holding_the_lock_is_reported_with_where_the_lock_was_taken(end: object) -> None:
    node = Node()
    with node.mu:
        taken_line = sys._getframe().f_lineno - 1
        assert end.call("Server.ping", 3, PingReply())  # type: ignore[attr-defined]
    [r] = reports("WARNING: BLOCKING WHILE HOLDING A LOCK")
    text = r.format()
    assert "labrpc call Server.ping while holding Node.mu" in text
    assert f"Node.mu acquired at:\n  test_an_rpc_while_holding_the_lock_is_reported_with_where_the_lock_was_taken()\n" \
           f"      labrace/labrace_test.py:{taken_line}" in text, text


def test_an_rpc_after_releasing_the_lock_is_fine(end: object) -> None:
    node = Node()
    with node.mu:
        args = node.count
    assert end.call("Server.ping", args, PingReply())  # type: ignore[attr-defined]
    assert labrace.take() == []


def test_sending_on_the_apply_channel_while_holding_the_lock_is_reported() -> None:
    node = Node()
    ch: Channel[int] = Channel()
    got: list[int] = []
    receiver = threading.Thread(target=lambda: got.append(ch.get()))
    receiver.start()
    with node.mu:
        ch.put(1)
    receiver.join()
    [r] = reports("WARNING: BLOCKING WHILE HOLDING A LOCK")
    assert "send on the apply channel while holding Node.mu" in r.summary
    # and released first, nothing:
    receiver = threading.Thread(target=lambda: got.append(ch.get()))
    receiver.start()
    ch.put(2)
    receiver.join()
    assert got == [1, 2] and labrace.take() == []


@pytest.mark.parametrize("what,call", [
    ("time.sleep(0.01)", lambda node: time.sleep(0.01)),
    ("Event.wait()", lambda node: threading.Event().wait(0.01)),
    ("Condition.wait() on a condition of another lock",
     lambda node: (lambda c: (c.acquire(), c.wait(0.01), c.release()))(threading.Condition())),
    ("Thread.join() of idle", lambda node: (lambda t: (t.start(), t.join()))(threading.Thread(target=lambda: None, name="idle"))),
])
def test_sleeping_or_waiting_while_holding_the_lock_is_reported(what: str, call: Callable[[Node], None]) -> None:
    node = Node()
    with node.mu:
        call(node)
    [r] = reports("WARNING: BLOCKING WHILE HOLDING A LOCK")
    assert r.summary.startswith(f"{what} while holding Node.mu"), r.summary


def test_waiting_on_a_condition_of_the_held_lock_is_fine() -> None:
    node = Node()
    with node.mu:
        node.cond.wait(0.01)  # releases node.mu while it waits
    with node.mu:
        node.cond.wait_for(lambda: True, 0.01)
    time.sleep(0.01)  # no lock held
    assert labrace.take() == []


def test_a_non_blocking_receive_under_the_lock_is_fine() -> None:
    node = Node()
    ch: Channel[int] = Channel()
    with node.mu:
        with pytest.raises(Exception):
            ch.get(block=False)
    assert labrace.take() == []


def test_the_harness_may_block_under_the_watched_code_s_lock() -> None:
    """A persister that waits for its disk, called under Raft's lock, is the lab's design."""
    from labrace import blocking

    node = Node()
    with node.mu:
        harness_sleep(0.01)
    assert blocking.is_watched_file(__file__)
    assert labrace.take() == []


harness_sleep = eval(compile("lambda s: __import__('time').sleep(s)", "<harness>", "eval"))


# ------------------------------------------------------------------------- lock order

def test_two_locks_taken_in_both_orders_are_a_cycle_even_without_a_deadlock() -> None:
    a, b = Node(), Node()

    def ab() -> None:
        with a.mu, b.mu:
            pass

    def ba() -> None:
        with b.mu, a.mu:
            pass

    run(ab, ba)  # one after the other: this run cannot deadlock, another could
    [r] = reports("WARNING: LOCK ORDER INVERSION")
    text = r.format()
    ia, ib = a.mu.serial, b.mu.serial  # type: ignore[attr-defined]
    assert f"possible deadlock: a cycle in lock order Node.mu #{ib} -> Node.mu #{ia} -> Node.mu #{ib}" in text
    assert f"Node.mu #{ia} acquired by thread worker-1 while holding Node.mu #{ib}" in text
    assert f"Node.mu #{ib} acquired by thread worker-0 while holding Node.mu #{ia}" in text


def test_a_cycle_through_three_locks() -> None:
    a, b, c = (threading.Lock() for _ in range(3))

    def order(x: threading.Lock, y: threading.Lock) -> Callable[[], None]:
        def take() -> None:
            with x, y:
                pass
        return take

    run(order(a, b), order(b, c))
    assert labrace.take() == []
    run(order(c, a))
    [r] = reports("WARNING: LOCK ORDER INVERSION")
    assert r.summary.count("->") == 3, r.summary


def test_locks_always_taken_in_one_order_are_fine() -> None:
    a, b = Node(), Node()

    def ab() -> None:
        for _ in range(10):
            with a.mu, b.mu:
                pass

    run(ab, ab, ab)
    assert labrace.take() == []


def test_taking_a_held_lock_again_is_reported_before_it_hangs() -> None:
    node = Node()
    with node.mu:
        assert not node.mu.acquire(timeout=0.05)
    [r] = reports("WARNING: LOCK ORDER")
    assert "acquires Node.mu, which it already holds" in r.summary


def test_a_reentrant_lock_taken_again_is_fine() -> None:
    lock = threading.RLock()
    cond = threading.Condition(lock)
    with lock, lock:
        cond.wait(0.01)
        assert lock._is_owned()  # type: ignore[attr-defined]
    assert not lock.locked()
    assert labrace.take() == []


def test_the_harness_s_locks_are_not_tracked() -> None:
    from labrace.locks import TrackedLock

    assert isinstance(Node().mu, TrackedLock)
    assert not isinstance(Channel().mutex, TrackedLock)


# ------------------------------------------------------------------------------ the verdict

def test_a_report_fails_its_test_and_only_its_test(pytester: pytest.Pytester,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """LABS_RACE=1 in a session of its own: the racy test fails, naming the race; the clean
    one and the exempt one pass; the summary counts what failed."""
    pytester.makepyfile(racy='''
        import threading

        class Node:
            def __init__(self):
                self.mu = threading.Lock()
                self.count = 0

            def bump(self):
                self.count += 1

            def bump_locked(self):
                with self.mu:
                    self.count += 1
    ''')
    pytester.makeconftest("import labrace\nlabrace.WATCHED['racy'] = ('Node',)\n")
    pytester.makepyfile(test_inner='''
        import threading
        import pytest
        import racy

        def two_threads(step):
            """Alive together, one after the other, with nothing the detector follows between."""
            node = racy.Node()
            done, hold = threading.Semaphore(0), threading.Barrier(2)

            def body():
                step(node)
                done.release()
                hold.wait()

            ths = [threading.Thread(target=body, name=f"bumper-{i}") for i in range(2)]
            for th in ths:
                th.start()
                done.acquire()
            for th in ths:
                th.join()

        def test_racy():
            two_threads(racy.Node.bump)

        def test_clean():
            two_threads(racy.Node.bump_locked)

        @pytest.mark.labrace_exempt
        def test_exempt():
            two_threads(racy.Node.bump)
    ''')
    monkeypatch.setenv("LABS_RACE", "1")
    result = pytester.runpytest_subprocess("-p", "labrace.plugin", "-p", "no:cacheprovider", "-s", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*test_racy FAILED*",
        "*race detected during execution of test: 1 report(s) (data race)*",
        "labrace: 1 report(s) failed 1 test(s)",
    ])
    result.stderr.fnmatch_lines(["WARNING: DATA RACE", "Node.count is shared by threads, written, *",
                                 "Write at Node.count by thread bumper-1, holding no lock:", "  bump()",
                                 "      */racy.py:9"])
