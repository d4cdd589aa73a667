"""The Lab 2 key/value server tests (Go: kvsrv1/kvsrv_test.go), test for test."""

from __future__ import annotations

import gc
import time
import tracemalloc

from kvsrv1 import rpc
from kvsrv1.test import make_test_kv
from kvtest1 import ClntRes, rand_value


def test_reliable_put():
    """Put with a single client and a reliable network."""
    val, ver0 = "6.5840", 0
    with make_test_kv(True) as ts:
        ts.begin("One client and reliable Put")
        ck = ts.make_clerk()
        if (err := ck.put("k", val, ver0)) != rpc.OK:
            ts.fatalf("Put err %v", err)
        v, ver, err = ck.get("k")
        if err != rpc.OK:
            ts.fatalf("Get err %v; expected OK", err)
        elif v != val:
            ts.fatalf("Get value err %v; expected %v", v, val)
        elif ver != ver0 + 1:
            ts.fatalf("Get wrong version %v; expected %v", ver, ver0 + 1)
        if (err := ck.put("k", val, 0)) != rpc.ErrVersion:
            ts.fatalf("expected Put to fail with ErrVersion; got err=%v", err)
        if (err := ck.put("y", val, 1)) != rpc.ErrNoKey:
            ts.fatalf("expected Put to fail with ErrNoKey; got err=%v", err)
        if (err := ck.get("y")[2]) != rpc.ErrNoKey:
            ts.fatalf("expected Get to fail with ErrNoKey; got err=%v", err)


def test_put_concurrent_reliable():
    """Many clients putting on the same key."""
    porcupine_time, nclnt, nsec = 10.0, 10, 1
    with make_test_kv(True) as ts:
        ts.begin("Test: many clients racing to put values to the same key")
        rs = ts.spawn_clients_and_wait(nclnt, nsec, lambda me, ck, done: ts.one_client_put(me, ck, ["k"], done))
        ck = ts.make_clerk()
        ts.check_put_concurrent(ck, "k", rs, ClntRes(), ts.is_reliable())
        ts.check_porcupine_t(porcupine_time)


def test_mem_put_many_clients_reliable():
    """The server keeps no per-client state.

    Go reads the heap after GC and allows 200 bytes per client. Python's counterpart is
    tracemalloc: the memory still allocated after 100,000 clients have each done one Put,
    less what was allocated before, per client, against the same 200-byte bound. A server
    that remembered anything per client (a last-seen id, a reply cache) exceeds it.
    """
    nclient, mem = 100_000, 1000
    with make_test_kv(True) as ts:
        v = rand_value(mem)
        cks = [ts.make_clerk() for _ in range(nclient)]
        # force allocation of ends for the server in each client
        for ck in cks:
            if (err := ck.put("k", "", 1)) != rpc.ErrNoKey:
                ts.fatalf("Put failed %v", err)
        ts.begin("Test: memory use many put clients")
        time.sleep(1)  # allow threads started by labrpc to start
        gc.collect()
        tracemalloc.start()
        try:
            gc.collect()
            m0 = tracemalloc.get_traced_memory()[0]
            for i, ck in enumerate(cks):
                if (err := ck.put("k", v, i)) != rpc.OK:
                    ts.fatalf("Put failed %v", err)
            gc.collect()
            time.sleep(1)
            gc.collect()
            m1 = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        f = (m1 - m0) / nclient
        print(f"info: server memory per client {f:.2f} bytes (limit 200, as Go's)")
        if m1 > m0 + nclient * 200:
            ts.fatalf("error: server using too much memory %d %d (%.2f per client)\n", m0, m1, f)


def test_unreliable_net():
    """One client, unreliable network: a Put that returned ErrMaybe must have happened."""
    ntry = 100
    with make_test_kv(False) as ts:
        ts.begin("One client")
        ck = ts.make_clerk()
        retried = False
        for attempt in range(ntry):
            i = 0
            while True:
                err = ts.put_json(ck, "k", i, attempt, 0)
                if err != rpc.ErrMaybe:
                    if i > 0 and err != rpc.ErrVersion:
                        ts.fatalf("Put shouldn't have happen more than once %v", err)
                    break
                retried = True  # try put again; it should fail with ErrVersion
                i += 1
            ver, value = ts.get_json(ck, "k", 0)
            if ver != attempt + 1:
                ts.fatalf("Wrong version %d expect %d", ver, attempt + 1)
            if value != 0:
                ts.fatalf("Wrong value %d expect %d", value, 0)
        if not retried:
            ts.fatalf("Clerk.Put never returned ErrMaybe")
        ts.check_porcupine()
