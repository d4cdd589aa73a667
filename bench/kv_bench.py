"""Key/value service figures: operations per second and latency through kvraft1 clerks.

    .venv/bin/python bench/kv_bench.py [--seconds S] [--quick]

Three kvraft1 servers on a reliable network, built by the tester (tester1.make_config,
as kvraft1/test.py does), with 1 or 10 clerks. Each clerk alternates Put and Get on a
key of its own, one at a time; latency is the clerk call, from the call to its reply.
Gets go through Raft too, so both kinds cost about the same. Rows with maxraftstate
1000 snapshot every few entries (as TestSpeed4C). Asserts nothing; prints figures.
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field

import benchlib  # also puts src/ on sys.path
import kvraft1.client as kvclient
import kvraft1.server as kvserver
import tester1
from kvsrv1 import rpc

NSERVERS = 3
WARMUP = 0.2  # seconds of load before measuring starts


@dataclass
class Window:
    """What one run measured between start and end (perf_counter seconds)."""

    start: float = 0.0
    end: float = 0.0
    put: list[float] = field(default_factory=list)
    get: list[float] = field(default_factory=list)
    completed: int = 0
    errors: int = 0


def client(ck: kvclient.Clerk, me: int, w: Window, lock: threading.Lock) -> None:
    """Put then Get this client's key until the window ends; record calls made inside it."""
    key, version, i = f"k{me}", 0, 0
    while (t0 := time.perf_counter()) < w.end:
        if i % 2 == 0:
            err = ck.put(key, f"v{i}", version)
            kind = "put"
            if err == rpc.OK:
                version += 1
            else:  # ErrMaybe after a resend: learn the version again
                _, version, _ = ck.get(key)
        else:
            _, _, err = ck.get(key)
            kind = "get"
        t1 = time.perf_counter()
        i += 1
        with lock:
            if err != rpc.OK:
                w.errors += 1
            elif t0 >= w.start:
                getattr(w, kind).append(t1 - t0)
                if t1 <= w.end:
                    w.completed += 1


def run(nclients: int, maxraftstate: int, seconds: float) -> dict[str, float]:
    """One configuration: throughput, latencies and costs per operation."""
    cfg = tester1.make_config(
        NSERVERS, True, lambda ends, gid, me, p: kvserver.start_kv_server(ends, gid, me, p, maxraftstate))
    try:
        names = cfg.group(tester1.GRP0).srv_names()
        clerks = [kvclient.make_clerk(cfg.make_client(), names) for _ in range(nclients)]
        for ck in clerks:
            ck.get("warm")  # waits for a leader, and each clerk learns who it is
        w, lock = Window(), threading.Lock()
        now = time.perf_counter()
        w.start, w.end = now + WARMUP, now + WARMUP + seconds
        threads = [threading.Thread(target=client, args=(ck, i, w, lock)) for i, ck in enumerate(clerks)]
        for t in threads:
            t.start()
        time.sleep(max(0.0, w.start - time.perf_counter()))
        c0, rpcs0 = time.process_time(), cfg.rpc_total()
        time.sleep(max(0.0, w.end - time.perf_counter()))
        cpu, rpcs = time.process_time() - c0, cfg.rpc_total() - rpcs0
        for t in threads:
            t.join()
    finally:
        cfg.cleanup()
    ops = max(w.completed, 1)
    every = benchlib.summarize(w.put + w.get)
    return {"ops": w.completed / seconds, "mean": every.mean, "p50": every.p50, "p99": every.p99,
            "put_p50": benchlib.summarize(w.put).p50, "get_p50": benchlib.summarize(w.get).p50,
            "cpu_us": cpu / ops * 1e6, "rpcs": rpcs / ops, "errors": w.errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per configuration")
    parser.add_argument("--quick", action="store_true", help="0.5 s per configuration (a smoke test)")
    args = parser.parse_args()
    seconds = 0.5 if args.quick else args.seconds
    print(benchlib.pin())
    rows = []
    for maxraftstate in (-1, 1000):
        for nclients in (1, 10):
            r = run(nclients, maxraftstate, seconds)
            rows.append([str(nclients), str(maxraftstate), f"{r['ops']:.0f}", f"{r['mean']:.2f}",
                         f"{r['p50']:.2f}", f"{r['p99']:.2f}", f"{r['put_p50']:.2f}", f"{r['get_p50']:.2f}",
                         f"{r['cpu_us']:.0f}", f"{r['rpcs']:.2f}"])
            if r["errors"]:
                print(f"  ({nclients} clients, maxraftstate {maxraftstate}: {r['errors']:.0f} ops not OK)")
    benchlib.print_table(
        f"KV service, {NSERVERS} servers, reliable network, {seconds:g} s per row",
        ["clients", "maxraftstate", "ops/s", "mean ms", "p50 ms", "p99 ms", "Put p50 ms", "Get p50 ms",
         "CPU us/op", "RPCs/op"],
        rows,
        note="latency: one clerk call, Put or Get; maxraftstate -1: no snapshots, 1000: snapshots on")


if __name__ == "__main__":
    main()
