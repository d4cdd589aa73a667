"""The key/value service tests of Lab 4B and 4C (Go: kvraft1/kvraft_test.go).

The graders use the original tests, so while you may change this file to help
you debug, test with the original before submitting.
"""

from __future__ import annotations

import queue
import threading
import time

import tester1
from kvraft1.rsm.test import leader
from kvraft1.test import GID, Test, make_test
from kvsrv1 import rpc
from kvtest1 import ELECTION_TIMEOUT, ClntRes, TestClerk, make_keys

NCLNT = 10  # unused, as in Go


def _go_list(xs: list[int]) -> str:
    """Format a list of ints as Go's %v does: [1 2 3]."""
    return "[" + " ".join(str(x) for x in xs) + "]"


def _go_duration(ns: int) -> str:
    """Format a duration in nanoseconds as Go's time.Duration.String() does."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)

    def frac(v: int, digits: int) -> str:
        whole, rest = divmod(v, 10 ** digits)
        s = f"{rest:0{digits}d}".rstrip("0")
        return f"{whole}.{s}" if s else str(whole)

    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{frac(ns, 3)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{frac(ns, 6)}ms"
    h, rest = divmod(ns, 3600 * 10**9)
    m, rest = divmod(rest, 60 * 10**9)
    out = sign
    if h:
        out += f"{h}h"
    if h or m:
        out += f"{m}m"
    return out + f"{frac(rest, 9)}s"


def generic_test(ts: Test) -> None:
    """One or more clients submit Puts/Gets to the servers for a while (one_client_put).

    Afterwards the Puts/Gets must form a linearizable history. If the network is
    unreliable, RPCs may fail. With ``crash`` the servers crash and restart after each
    period; with ``partitions`` the network is repartitioned concurrently with the
    clients. With maxraftstate > 0 the Raft state (log) may not exceed 8*maxraftstate;
    with maxraftstate < 0 snapshots must not be used. The caller's ``with ts:`` cleans up.
    """
    niter = 3
    nsec = 1
    t = nsec  # seconds
    nkeys = 100

    ck = ts.make_clerk()
    res = ClntRes()
    default_key = make_keys(nkeys) if ts.randomkeys else ["k"]  # if not running with randomkeys
    for i in range(niter):
        spawn_done = threading.Event()
        spawn_errors: list[BaseException] = []
        stop_partitioner = threading.Event()

        def clients() -> None:
            try:
                rs = ts.spawn_clients_and_wait(
                    ts.nclients, t,
                    lambda cli, ck, done: ts.one_client_put(cli, ck, default_key, done))
                if not ts.randomkeys:
                    reliable = ts.is_reliable() and not ts.crash and not ts.partitions
                    ts.check_put_concurrent(ck, default_key[0], rs, res, reliable)
            except BaseException as e:  # re-raised by the test thread
                spawn_errors.append(e)
            finally:
                spawn_done.set()

        try:
            threading.Thread(target=clients, name="kv-spawn", daemon=True).start()

            partitioner = None
            if ts.partitions:
                # Allow the clients to perform some operations without interruption
                time.sleep(1)
                partitioner = threading.Thread(target=ts.partitioner, args=(GID, stop_partitioner),
                                               name="kv-partitioner", daemon=True)
                partitioner.start()

            spawn_done.wait()  # wait for clients to be done
            if spawn_errors:
                raise spawn_errors[0]

            if i == niter - 1:
                tester1.set_annotation_finalized()

            ts.check_porcupine()

            if partitioner is not None:
                stop_partitioner.set()
                partitioner.join()
                # reconnect network and submit a request. A client may
                # have submitted a request in a minority.  That request
                # won't return until that server discovers a new term
                # has started.
                ts.group(GID).connect_all()
                tester1.annotate_clear_failure()
                # wait for a while so that we have a new term
                time.sleep(ELECTION_TIMEOUT)
        finally:
            stop_partitioner.set()

        if ts.crash:
            for j in range(ts.nservers):
                ts.group(GID).shutdown_server(j)
            tester1.annotate_shutdown_all()
            # Wait for a while for servers to shutdown, since
            # shutdown isn't a real crash and isn't instantaneous
            time.sleep(ELECTION_TIMEOUT)
            # crash and re-start all
            for j in range(ts.nservers):
                ts.group(GID).start_server(j)
            ts.group(GID).connect_all()
            tester1.annotate_clear_failure()

        if ts.maxraftstate > 0:
            # Check maximum after the servers have processed all client
            # requests and had time to checkpoint.
            sz = ts.group(GID).log_size()
            if sz > 8 * ts.maxraftstate:
                err = f"logs were not trimmed ({sz} > 8*{ts.maxraftstate})"
                tester1.annotate_checker_failure(err, err)
                raise AssertionError(err)
        if ts.maxraftstate < 0:
            # Check that snapshots are not used
            ssz = ts.group(GID).snapshot_size()
            if ssz > 0:
                err = f"snapshot too large ({ssz}), should not be used when maxraftstate = {ts.maxraftstate}"
                tester1.annotate_checker_failure(err, err)
                raise AssertionError(err)


def generic_test_speed(ts: Test) -> None:
    """Ops must commit faster than one per heartbeat interval. The caller's ``with ts:`` cleans up."""
    num_ops = 1000

    ck = ts.make_clerk()

    # wait until first op completes, so we know a leader is elected
    # and KV servers are ready to process client requests
    ck.get("x")

    start = time.monotonic_ns()
    for i in range(num_ops):
        if (err := ck.put("k", str(i), i)) != rpc.OK:
            raise AssertionError(f"Put err {err}")
    dur = time.monotonic_ns() - start

    _, ver, err = ck.get("k")
    if err != rpc.OK:
        raise AssertionError(f"Get err {err}")
    elif ver != num_ops:
        raise AssertionError(f"Get too few ops {ver}")

    # heartbeat interval should be ~ 100 ms; require at least 3 ops per
    heartbeat_interval = 100_000_000  # ns
    ops_per_interval = 3
    time_per_op = heartbeat_interval // ops_per_interval  # ns, as Go's Duration division
    if dur > num_ops * time_per_op:
        raise AssertionError(f"Operations completed too slowly {_go_duration(dur // num_ops)}/op > "
                             f"{_go_duration(time_per_op)}/op\n")


def test_basic_4b() -> None:
    with make_test("4B basic", 1, 5, True, False, False, -1, False) as ts:
        tester1.annotate_test("TestBasic4B", ts.nservers)
        generic_test(ts)


def test_speed_4b() -> None:
    with make_test("4B speed", 1, 3, True, False, False, -1, False) as ts:
        tester1.annotate_test("TestSpeed4B", ts.nservers)
        generic_test_speed(ts)


def test_concurrent_4b() -> None:
    with make_test("4B many clients", 5, 5, True, False, False, -1, False) as ts:
        tester1.annotate_test("TestConcurrent4B", ts.nservers)
        generic_test(ts)


def test_unreliable_4b() -> None:
    with make_test("4B many clients", 5, 5, False, False, False, -1, False) as ts:
        tester1.annotate_test("TestUnreliable4B", ts.nservers)
        generic_test(ts)


def test_one_partition_4b() -> None:
    """A request in the minority partition doesn't go through until the partition heals.

    The leader in the original network ends up in the minority partition.
    """
    with make_test("4B progress in majority", 0, 5, False, False, False, -1, False) as ts:
        tester1.annotate_test("TestOnePartition4B", ts.nservers)

        ck = ts.make_clerk()

        ver0 = ts.put_at_least_once(ck, "1", "13", 0, -1)

        foundl, l = leader(ts.config, GID)
        if foundl:
            text = f"leader found = {l}"
            tester1.annotate_info(text, text)
        else:
            text = "did not find a leader"
            tester1.annotate_info(text, text)
        p1, p2 = ts.group(GID).make_partition(l)
        ts.group(GID).partition(p1, p2)
        tester1.annotate_two_partitions(p1, p2)

        ckp1 = ts.make_clerk_to(p1)  # connect ckp1 to p1
        ckp2a = ts.make_clerk_to(p2)  # connect ckp2a to p2
        ckp2b = ts.make_clerk_to(p2)  # connect ckp2b to p2

        ver1 = ts.put_at_least_once(ckp1, "1", "14", ver0, -1)
        ts.check_get(ckp1, "1", "14", ver1)

        ts.end()

        done0: queue.Queue[int] = queue.Queue()
        done1: queue.Queue[int] = queue.Queue()
        some_done = threading.Event()  # either of them has a value (Go: select on both)

        def put15() -> None:
            ver = ts.put_at_least_once(ckp2a, "1", "15", ver1, -1)
            done0.put(ver)
            some_done.set()

        def get1() -> None:
            _, ver, _ = ts.get(ckp2b, "1", -1)  # different clerk in p2
            done1.put(ver)
            some_done.set()

        ts.begin("Test: no progress in minority (4B)")
        tester1.annotate_checker_begin(f"submit Put(1, 15) and Get(1) to {_go_list(p2)}")
        threading.Thread(target=put15, name="put-1-15", daemon=True).start()
        threading.Thread(target=get1, name="get-1", daemon=True).start()

        if some_done.wait(1.0):
            if not done0.empty():
                err = f"Put in minority completed with version = {done0.get()}"
            else:
                err = f"Get in minority completed with version = {done1.get()}"
            tester1.annotate_checker_failure(err, err)
            raise AssertionError(err)
        tester1.annotate_checker_success(
            "commands to minority partition not committed after 1 second", "not committed")

        ts.check_get(ckp1, "1", "14", ver1)
        ver2 = ts.put_at_least_once(ckp1, "1", "16", ver1, -1)
        ts.check_get(ckp1, "1", "16", ver2)

        ts.end()

        ts.begin("Test: completion after heal (4B)")

        ts.group(GID).connect_all()
        tester1.annotate_clear_failure()
        assert isinstance(ckp2a, TestClerk) and isinstance(ckp2b, TestClerk)
        ckp2a.clnt.connect_all()
        ckp2b.clnt.connect_all()

        time.sleep(ELECTION_TIMEOUT)

        tester1.annotate_checker_begin("status of Put(1, 15)")
        try:
            ver15 = done0.get(timeout=30 * 0.100)
        except queue.Empty:
            tester1.annotate_checker_failure(
                "Put(1, 15) did not complete after partition resolved", "OK")
            raise AssertionError("Put did not complete") from None
        tester1.annotate_checker_success("Put(1, 15) completed after partition resolved", "OK")

        tester1.annotate_checker_begin("status of Get(1)")
        # Go's select here has a default case, so it does not wait for the Get.
        try:
            done1.get_nowait()
        except queue.Empty:
            pass
        tester1.annotate_checker_success("Get(1) completed after partition resolved", "OK")

        ts.check_get(ck, "1", "15", ver15)


def test_many_partitions_one_client_4b() -> None:
    with make_test("4B partitions, one client", 1, 5, True, False, True, -1, False) as ts:
        tester1.annotate_test("TestManyPartitionsOneClient4B", ts.nservers)
        generic_test(ts)


def test_many_partitions_many_clients_4b() -> None:
    with make_test("4B partitions, many clients (4B)", 5, 5, True, False, True, -1, False) as ts:
        tester1.annotate_test("TestManyPartitionsManyClients4B", ts.nservers)
        generic_test(ts)


def test_persist_one_client_4b() -> None:
    with make_test("4B restarts, one client 4B ", 1, 5, True, True, False, -1, False) as ts:
        tester1.annotate_test("TestPersistOneClient4B", ts.nservers)
        generic_test(ts)


def test_persist_concurrent_4b() -> None:
    with make_test("4B restarts, many clients", 5, 5, True, True, False, -1, False) as ts:
        tester1.annotate_test("TestPersistConcurrent4B", ts.nservers)
        generic_test(ts)


def test_persist_concurrent_unreliable_4b() -> None:
    with make_test("4B restarts, many clients ", 5, 5, False, True, False, -1, False) as ts:
        tester1.annotate_test("TestPersistConcurrentUnreliable4B", ts.nservers)
        generic_test(ts)


def test_persist_partition_4b() -> None:
    with make_test("4B restarts, partitions, many clients", 5, 5, True, True, True, -1, False) as ts:
        tester1.annotate_test("TestPersistPartition4B", ts.nservers)
        generic_test(ts)


def test_persist_partition_unreliable_4b() -> None:
    with make_test("4B restarts, partitions, many clients", 5, 5, False, True, True, -1, False) as ts:
        tester1.annotate_test("TestPersistPartitionUnreliable4B", ts.nservers)
        generic_test(ts)


def test_persist_partition_unreliable_linearizable_4b() -> None:
    with make_test("4B restarts, partitions, random keys, many clients", 15, 7, False, True, True, -1,
                   True) as ts:
        tester1.annotate_test("TestPersistPartitionUnreliableLinearizable4B", ts.nservers)
        generic_test(ts)


def test_snapshot_rpc_4c() -> None:
    """A server that falls behind and rejoins recovers through InstallSnapshot.

    Also checks that the majority discards committed log entries even if the
    minority doesn't respond.
    """
    nsrv = 3
    maxraftstate = 1000
    with make_test("4C SnapshotsRPC", 0, nsrv, True, False, False, maxraftstate, False) as ts:
        tester1.annotate_test("TestSnapshotRPC4C", ts.nservers)

        ck = ts.make_clerk()

        ts.begin("Test: InstallSnapshot RPC (4C)")

        vera = ts.put_at_least_once(ck, "a", "A", 0, -1)
        ts.check_get(ck, "a", "A", vera)

        # a bunch of puts into the majority partition.
        ts.group(GID).partition([0, 1], [2])
        tester1.annotate_two_partitions([0, 1], [2])
        ck1 = ts.make_clerk_to([0, 1])
        for i in range(50):
            ts.put_at_least_once(ck1, str(i), str(i), 0, -1)
        time.sleep(ELECTION_TIMEOUT)
        verb = ts.put_at_least_once(ck1, "b", "B", 0, -1)

        # check that the majority partition has thrown away
        # most of its log entries.
        sz = ts.group(GID).log_size()
        if sz > 8 * ts.maxraftstate:
            err = f"logs were not trimmed ({sz} > 8*{ts.maxraftstate})"
            tester1.annotate_checker_failure(err, err)
            raise AssertionError(err)

        # now make group that requires participation of
        # lagging server, so that it has to catch up.
        ts.group(GID).partition([0, 2], [1])
        tester1.annotate_two_partitions([0, 2], [1])
        ck1 = ts.make_clerk_to([0, 2])
        verc = ts.put_at_least_once(ck1, "c", "C", 0, -1)
        ts.put_at_least_once(ck1, "d", "D", 0, -1)
        ts.check_get(ck1, "a", "A", vera)
        ts.check_get(ck1, "b", "B", verb)
        ts.check_get(ck1, "1", "1", 1)
        ts.check_get(ck1, "49", "49", 1)

        # now everybody
        ts.group(GID).partition([0, 1, 2], [])
        tester1.annotate_clear_failure()

        vere = ts.put_at_least_once(ck, "e", "E", 0, -1)
        ts.check_get(ck, "c", "C", verc)
        ts.check_get(ck, "e", "E", vere)
        ts.check_get(ck, "1", "1", 1)


def test_snapshot_size_4c() -> None:
    """The snapshots are not too huge: 500 bytes is a generous bound for these operations."""
    with make_test("4C snapshot size is reasonable", 0, 3, True, False, False, 1000, False) as ts:
        tester1.annotate_test("TestSnapshotSize4C", ts.nservers)

        maxsnapshotstate = 500

        ck = ts.make_clerk()

        ver = 0
        for _ in range(200):
            ver = ts.put_at_least_once(ck, "x", "0", ver, -1)
            ts.check_get(ck, "x", "0", ver)
            ver = ts.put_at_least_once(ck, "x", "1", ver, -1)
            ts.check_get(ck, "x", "1", ver)

        # check that servers have thrown away most of their log entries
        sz = ts.group(GID).log_size()
        if sz > 8 * ts.maxraftstate:
            err = f"logs were not trimmed ({sz} > 8*{ts.maxraftstate})"
            tester1.annotate_checker_failure(err, err)
            raise AssertionError(err)

        # check that the snapshots are not unreasonably large
        ssz = ts.group(GID).snapshot_size()
        if ssz > maxsnapshotstate:
            err = f"snapshot too large ({ssz} > {maxsnapshotstate})"
            tester1.annotate_checker_failure(err, err)
            raise AssertionError(err)


def test_speed_4c() -> None:
    with make_test("4C speed", 1, 3, True, False, False, 1000, False) as ts:
        tester1.annotate_test("TestSpeed4C", ts.nservers)
        generic_test_speed(ts)


def test_snapshot_recover_4c() -> None:
    with make_test("4C restarts, snapshots, one client", 1, 5, True, True, False, 1000, False) as ts:
        tester1.annotate_test("TestSnapshotRecover4C", ts.nservers)
        generic_test(ts)


def test_snapshot_recover_many_clients_4c() -> None:
    with make_test("4C restarts, snapshots, many clients ", 20, 5, True, True, False, 1000, False) as ts:
        tester1.annotate_test("TestSnapshotRecoverManyClients4C", ts.nservers)
        generic_test(ts)


def test_snapshot_unreliable_4c() -> None:
    with make_test("4C unreliable net, snapshots, many clients", 5, 5, False, False, False, 1000,
                   False) as ts:
        tester1.annotate_test("TestSnapshotUnreliable4C", ts.nservers)
        generic_test(ts)


def test_snapshot_unreliable_recover_4c() -> None:
    with make_test("4C unreliable net, restarts, snapshots, many clients", 5, 5, False, True, False, 1000,
                   False) as ts:
        tester1.annotate_test("TestSnapshotUnreliableRecover4C", ts.nservers)
        generic_test(ts)


def test_snapshot_unreliable_recover_concurrent_partition_4c() -> None:
    with make_test("4C unreliable net, restarts, partitions, snapshots, many clients", 5, 5, False, True,
                   True, 1000, False) as ts:
        tester1.annotate_test("TestSnapshotUnreliableRecoverConcurrentPartition4C", ts.nservers)
        generic_test(ts)


def test_snapshot_unreliable_recover_concurrent_partition_linearizable_4c() -> None:
    with make_test("4C unreliable net, restarts, partitions, snapshots, random keys, many clients", 15, 7,
                   False, True, True, 1000, True) as ts:
        tester1.annotate_test("TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable4C",
                              ts.nservers)
        generic_test(ts)
