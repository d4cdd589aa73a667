"""The Lab 2 lock tests (Go: kvsrv1/lock/lock_test.go), test for test."""

from __future__ import annotations

import threading
import time

from kvsrv1 import rpc
from kvsrv1.lock.lock import make_lock
from kvsrv1.test import make_test_kv
from kvtest1 import ClntRes, IKVClerk

NACQUIRE = 10  # unused, as in Go
NCLNT = 10
NSEC = 2


def one_client(ts, me: int, ck: IKVClerk, done: threading.Event) -> ClntRes:
    lk = make_lock(ck, "l")
    ck.put("l0", "", 0)
    i = 1
    while not done.is_set():
        lk.acquire()
        b = str(me)
        val, ver, err = ck.get("l0")
        if err == rpc.OK:
            if val != "":
                ts.fatalf("%d: two clients acquired lock %v", me, val)
        else:
            ts.fatalf("%d: get failed %v", me, err)
        err = ck.put("l0", b, ver)
        if err not in (rpc.OK, rpc.ErrMaybe):
            ts.fatalf("%d: put failed %v", me, err)
        time.sleep(0.01)
        err = ck.put("l0", "", ver + 1)
        if err not in (rpc.OK, rpc.ErrMaybe):
            ts.fatalf("%d: put failed %v", me, err)
        lk.release()
        i += 1
    return ClntRes(i, 0)


def run_clients(nclnt: int, reliable: bool) -> None:
    with make_test_kv(reliable) as ts:
        ts.begin(f"Test: {nclnt} lock clients")
        ts.spawn_clients_and_wait(nclnt, NSEC, lambda me, ck, done: one_client(ts, me, ck, done))


def test_one_client_reliable():
    run_clients(1, True)


def test_many_clients_reliable():
    run_clients(NCLNT, True)


def test_one_client_unreliable():
    run_clients(1, False)


def test_many_clients_unreliable():
    run_clients(NCLNT, False)
