"""The rsm tests of Lab 4A and the rsm snapshot test of 4C (Go: kvraft1/rsm/rsm_test.go).

The graders use the original tests, so while you may change this file to help
you debug, test with the original before submitting.
"""

from __future__ import annotations

import threading
import time

import tester1
from kvraft1.rsm.server import Dec, Inc
from kvraft1.rsm.test import GID, NSEC, NSRV, Test, leader, make_test
from kvsrv1 import rpc


def test_basic_4a() -> None:
    """Each server executes increments and updates its counter."""
    ninc = 10
    with make_test(-1) as ts:
        tester1.annotate_test("TestBasic4A", NSRV)
        ts.begin("Test RSM basic")

        for i in range(ninc):
            r = ts.one_inc()
            if r.n != i + 1:
                err = f"expected {i} instead of {r.n}"
                tester1.annotate_checker_failure(err, err)
                raise AssertionError(err)
            ts.check_counter(r.n, NSRV)


def test_concurrent_4a() -> None:
    """Submitting concurrently."""
    ninc = 50
    with make_test(-1) as ts:
        tester1.annotate_test("TestConcurrent4A", NSRV)
        ts.begin("Test concurrent submit")

        threads = [threading.Thread(target=ts.one_inc, daemon=True) for _ in range(ninc)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        ts.check_counter(ninc, NSRV)


def test_leader_failure_4a() -> None:
    """Each server executes increments after disconnecting and reconnecting the leader."""
    with make_test(-1) as ts:
        tester1.annotate_test("TestLeaderFailure4A", NSRV)
        ts.begin("Test Leader Failure")

        r = ts.one_inc()
        ts.check_counter(r.n, NSRV)

        l = ts.disconnect_leader()
        tester1.annotate_connection(ts.g.get_connected())
        r = ts.one_inc()
        ts.check_counter(r.n, NSRV - 1)

        ts.connect(l)
        tester1.annotate_connection(ts.g.get_connected())

        ts.check_counter(r.n, NSRV)


def test_leader_partition_4a() -> None:
    """A partitioned leader doesn't commit an operation."""
    nsubmit = 100
    with make_test(-1) as ts:
        tester1.annotate_test("TestLeaderPartition4A", NSRV)
        ts.begin("Test Leader Partition")

        # submit an Inc
        r = ts.one_inc()
        ts.check_counter(r.n, NSRV)

        # partition leader
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

        text = f"concurrently submitting {nsubmit} Dec to {l}"
        tester1.annotate_info(text, text)
        done = threading.Event()

        def submit_dec(i: int) -> None:
            err, rep = ts.srvs[l].rsm.submit(Dec())
            if err == rpc.OK:
                ts.thread_fatal(f"Submit {i} in minority completed {rep}")

        def submit_all() -> None:
            # Submit many Dec's concurrently, which will results in many
            # raft.start()'s, but none should commit and be executed.
            threads = [threading.Thread(target=submit_dec, args=(i,), daemon=True)
                       for i in range(nsubmit)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            done.set()

        threading.Thread(target=submit_all, daemon=True).start()

        # give old leader some time to submit
        time.sleep(0.010)

        # submit an Inc in the majority
        rep = ts.one_partition(p1, Inc())

        if done.wait(1.0):
            text = "Dec's in minority completed; Submit returns {}"
            tester1.annotate_checker_failure(text, text)
            ts.fatalf(text)

        # reconnect leader
        ts.connect(l)
        # use the fact that there are only three servers, so connecting the leader
        # resolves all partitions (the last line of test also relies on this)
        tester1.annotate_clear_failure()

        if not done.wait(1.0):
            text = "Submit after healing didn't return"
            tester1.annotate_checker_failure(text, text)
            ts.fatalf(text)

        # check that all replicas have the same value for counter
        ts.check_counter(rep.n, NSRV)


def test_restart_replay_4a() -> None:
    """Restart replays Incs."""
    ninc = 100
    with make_test(-1) as ts:
        tester1.annotate_test("TestRestartReplay4A", NSRV)
        ts.begin("Test Restart")

        for i in range(ninc):
            r = ts.one_inc()
            if r.n != i + 1:
                err = f"expected {i} instead of {r.n}"
                tester1.annotate_checker_failure(err, err)
                raise AssertionError(err)
            ts.check_counter(r.n, NSRV)

        ts.group(GID).shutdown()
        tester1.annotate_shutdown_all()

        time.sleep(1)

        ts.group(GID).start_servers()
        tester1.annotate_restart_all()

        # submit an Inc
        r = ts.one_inc()

        if r.n != ninc + 1:
            err = f"expected {ninc + 1} got {r.n}"
            tester1.annotate_checker_failure(err, err)
            raise AssertionError(err)

        time.sleep(1)

        ts.check_counter(r.n, NSRV)


def _submit_nulls(ts: Test, nsubmit: int) -> threading.Event:
    """Start nsubmit concurrent one_null()s; the event is set when all have returned."""
    done = threading.Event()

    def submit_all() -> None:
        threads = [threading.Thread(target=ts.one_null, daemon=True) for _ in range(nsubmit)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        done.set()

    threading.Thread(target=submit_all, daemon=True).start()
    return done


def test_shutdown_4a() -> None:
    """Submit() terminates after the tester's shutdown() has called Raft's kill().

    kill() should make Raft close the apply channel passed to it in make(),
    which in turn lets rsm know that it is done.
    """
    nsubmit = 100
    with make_test(-1) as ts:
        tester1.annotate_test("TestShutdown4A", NSRV)
        ts.begin("Test Shutdown")

        # Submit many Null's concurrently
        done = _submit_nulls(ts, nsubmit)

        # give some time to submit
        time.sleep(0.020)

        ts.group(GID).shutdown()
        tester1.annotate_shutdown_all()

        if not done.wait(NSEC + 1):
            err = "Submit didn't stop after shutdown"
            tester1.annotate_checker_failure(err, err)
            ts.fatalf(err)


def test_restart_submit_4a() -> None:
    """Commands after a restart don't get confused with ones submitted before shutdown()."""
    ninc = 100
    nsubmit = 100
    with make_test(-1) as ts:
        tester1.annotate_test("TestRestartSubmit4A", NSRV)
        ts.begin("Test Restart and submit")

        for i in range(ninc):
            r = ts.one_inc()
            if r.n != i + 1:
                err = f"expected {i} instead of {r.n}"
                tester1.annotate_checker_failure(err, err)
                raise AssertionError(err)
            ts.check_counter(r.n, NSRV)

        ts.group(GID).shutdown()
        tester1.annotate_shutdown_all()

        time.sleep(1)

        ts.group(GID).start_servers()
        tester1.annotate_restart_all()

        # submit an Inc
        r = ts.one_inc()

        if r.n != ninc + 1:
            err = f"Expected {ninc + 1} got {r.n}"
            tester1.annotate_checker_failure(err, err)
            raise AssertionError(err)

        time.sleep(1)

        # Submit many Null's concurrently
        text = f"concurrently submitting {nsubmit} Null"
        tester1.annotate_info(text, text)
        done = _submit_nulls(ts, nsubmit)

        # give some time to submit
        time.sleep(0.020)

        ts.group(GID).shutdown()
        tester1.annotate_shutdown_all()

        if not done.wait(NSEC + 1):
            err = "Submit didn't stop after shutdown"
            tester1.annotate_checker_failure(err, err)
            ts.fatalf(err)

        ts.group(GID).start_servers()
        tester1.annotate_restart_all()

        r = ts.one_inc()
        ts.check_counter(r.n, NSRV)


def test_snapshot_4c() -> None:
    """Snapshot and restore."""
    n = 100
    maxraftstate = 1000
    with make_test(maxraftstate) as ts:
        tester1.annotate_test("TestSnapshot4C", NSRV)
        ts.begin("Test creating and restoring snapshot")

        for _ in range(n):
            ts.one_inc()
        ts.check_counter(n, NSRV)

        sz = ts.group(GID).log_size()
        if sz > 2 * maxraftstate:
            err = f"logs were not trimmed ({sz} > 2 * {ts.maxraftstate})"
            tester1.annotate_checker_failure(err, err)
            ts.fatalf(err)

        # rsm must have made snapshots by now; shutdown all servers and
        # restart them from a snapshot
        ts.g.shutdown()
        tester1.annotate_shutdown_all()
        ts.g.start_servers()
        tester1.annotate_restart_all()

        # make restarted servers do one increment
        ts.one_inc()

        ts.check_counter(n + 1, NSRV)
