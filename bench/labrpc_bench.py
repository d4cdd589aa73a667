"""labrpc and labgob figures: round trips per second, CPU per call, encoded sizes.

Prints figures; asserts nothing (speed targets are checked here, not in timed tests).
Run: make bench, or .venv/bin/python bench/labrpc_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import threading
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import dill  # noqa: E402

import labgob  # noqa: E402
from labrpc import Network, Server, Service  # noqa: E402
from labrpc.affinity import pin_to_one_cpu  # noqa: E402
from raft1.raft import AppendEntriesArgs, LogEntry, Raft, RequestVoteArgs  # noqa: E402
from raftapi import Channel  # noqa: E402
from tester1.persister import Persister  # noqa: E402


@labgob.register
@dataclass
class StrReply:
    v: str = ""


class JunkServer:
    def handler2(self, args: int, reply: StrReply) -> None:
        reply.v = "handler2-" + str(args)


def _network() -> tuple[Network, list]:
    rn = Network()
    rs = Server()
    rs.add_service(Service(JunkServer()))
    rn.add_server("server99", rs)
    ends = []
    for i in range(10):
        e = rn.make_end(f"end-{i}")
        rn.connect(f"end-{i}", "server99")
        rn.enable(f"end-{i}", True)
        ends.append(e)
    return rn, ends


def sequential(n: int) -> tuple[float, float]:
    rn, ends = _network()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        reply = StrReply()
        ends[0].call("JunkServer.handler2", 111, reply)
        assert reply.v == "handler2-111"
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rn.cleanup()
    return wall, cpu


def concurrent(n_per_caller: int, callers: int) -> tuple[float, float]:
    rn, ends = _network()

    def caller(e) -> None:
        for _ in range(n_per_caller):
            e.call("JunkServer.handler2", 111, StrReply())

    threads = [threading.Thread(target=caller, args=(ends[i],)) for i in range(callers)]
    t0, c0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rn.cleanup()
    return wall, cpu


def sizes(n: int = 20000) -> None:
    rv = RequestVoteArgs(12, 3, 1042, 11)
    entries = [LogEntry(11, 1_000_000 + i) for i in range(10)]
    ae = AppendEntriesArgs(12, 3, 1032, 11, entries, 1030)
    enc = labgob.LabEncoder()
    enc.encode(12)
    enc.encode(3)
    enc.encode(entries)
    rf = Raft([None] * 3, 0, Persister(), Channel())  # threads are not started: only its encoder
    rf.current_term, rf.voted_for, rf.log = 12, 3, [LogEntry(0, None)] + entries
    print("encoded sizes (bytes):")
    print(f"  RequestVote args                     {len(labgob.encode(rv)):6d}")
    print(f"  AppendEntries args with 10 entries   {len(labgob.encode(ae)):6d}")
    print(f"  term, vote and a 10-entry log as a list of LogEntry {len(enc.getvalue()):5d}")
    print(f"  the same as raft1 persists it (flat lists)        {len(rf._encode_state()):5d}")
    plain = [(11, 1_000_000 + i) for i in range(10)]
    print(f"  for comparison, the same log as tuples: pickle {len(pickle.dumps(plain, 3))}, "
          f"dill {len(dill.dumps(plain))}")

    t0 = time.perf_counter()
    for _ in range(n):
        labgob.decode(labgob.encode(ae))
    lab = (time.perf_counter() - t0) / n * 1e6
    t0 = time.perf_counter()
    for _ in range(n):
        dill.loads(dill.dumps(ae))
    dl = (time.perf_counter() - t0) / n * 1e6
    print(f"  AppendEntries round trip: labgob (restricted pickle) {lab:.1f} us, dill {dl:.1f} us "
          f"(dill can also decode code, which labgob must refuse)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the calls (a smoke test)")
    quick = parser.parse_args().quick
    cpu = pin_to_one_cpu()
    print(f"pinned to CPU {cpu}" if cpu is not None else "not pinned")
    n = 2000 if quick else 20000
    wall, cpu_s = sequential(n)
    print(f"sequential: {n / wall:8.0f} calls/s, {wall / n * 1e6:6.1f} us/call, {cpu_s / n * 1e6:6.1f} us CPU/call")
    wall, cpu_s = concurrent(n // 10, 10)
    print(f"10 callers: {n / wall:8.0f} calls/s, {wall / n * 1e6:6.1f} us/call, {cpu_s / n * 1e6:6.1f} us CPU/call")
    if not quick:
        wall, cpu_s = sequential(100_000)
        print(f"TestBenchmark's 100,000 calls: {wall:.2f} s wall, {cpu_s:.2f} s CPU (Go here: 2.9 s / 3.2 s)")
    sizes(n)


if __name__ == "__main__":
    main()
