"""Raft on the disk persister: fsyncs per committed entry, commit latency, throughput.

Prints figures beside the memory persister's; asserts nothing. The cluster is raft1
peers wired directly on labrpc (reliable network), each with a DiskPersister in a
temporary folder, so every save is a real write, fsync, rename and folder fsync.
A command's latency runs from ``start()`` on the leader to its delivery on the
leader's apply channel. Run: make bench, or .venv/bin/python bench/disk_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from benchlib import Summary, pin, summarize  # noqa: E402

from labrpc import Network, Server, Service  # noqa: E402
from raft1.raft import Raft, make  # noqa: E402
from raftapi import Channel  # noqa: E402
from tester1 import disk_persister  # noqa: E402
from tester1.disk_persister import DiskPersister  # noqa: E402
from tester1.persister import Persister  # noqa: E402


class Cluster:
    """n connected Raft peers and a dispatcher that wakes whoever waits for a leader-side apply."""

    def __init__(self, persisters: list[Persister]) -> None:
        self.net = Network()
        n = len(persisters)
        self.rafts: list[Raft] = []
        self.chans: list[Channel] = []
        for i in range(n):
            ends = []
            for j in range(n):
                ends.append(self.net.make_end(f"{i}->{j}"))
                self.net.connect(f"{i}->{j}", j)
                self.net.enable(f"{i}->{j}", True)
            self.chans.append(Channel())
            self.rafts.append(make(ends, i, persisters[i], self.chans[i]))
            server = Server()
            server.add_service(Service(self.rafts[i]))
            self.net.add_server(i, server)
        self.leader = self._wait_for_leader()
        self._waiters: dict[int, threading.Event] = {}
        self._applied: set[int] = set()
        self._lock = threading.Lock()
        for i in range(n):
            threading.Thread(target=self._drain, args=(i,), daemon=True).start()

    def _wait_for_leader(self) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for i, rf in enumerate(self.rafts):
                if rf.get_state()[1]:
                    return i
            time.sleep(0.02)
        raise RuntimeError("no leader elected within 10 s")

    def _drain(self, i: int) -> None:
        for msg in self.chans[i]:
            if i == self.leader and msg.command_valid:
                with self._lock:
                    self._applied.add(msg.command)
                    event = self._waiters.pop(msg.command, None)
                if event is not None:
                    event.set()

    def submit_and_wait(self, command: int) -> float:
        """Start ``command`` on the leader and return the seconds until the leader applies it."""
        event = threading.Event()
        with self._lock:
            self._waiters[command] = event
        t0 = time.perf_counter()
        _, _, ok = self.rafts[self.leader].start(command)
        if not ok:
            raise RuntimeError("the leader lost its leadership during the benchmark")
        with self._lock:
            if command in self._applied:
                event.set()
        if not event.wait(10):
            raise RuntimeError(f"command {command} not committed within 10 s")
        return time.perf_counter() - t0

    def stop(self) -> None:
        for rf in self.rafts:
            rf.kill()
        self.net.cleanup()


def run(disk: bool, peers: int, submitters: int, seconds: float, root: Path) -> tuple[int, float, Summary, float]:
    """Returns (entries committed, seconds, latency summary, fsyncs per committed entry)."""
    persisters: list[Persister] = (
        [DiskPersister.open(root / f"{peers}-{submitters}-s{i}") for i in range(peers)] if disk
        else [Persister() for _ in range(peers)])
    cluster = Cluster(persisters)
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(1, 10**9))
    stop_at = time.monotonic() + seconds

    def submitter() -> None:
        mine = []
        while time.monotonic() < stop_at:
            with lock:
                cmd = next(counter)
            mine.append(cluster.submit_and_wait(cmd))
        with lock:
            latencies.extend(mine)

    fsyncs0 = disk_persister.fsync_count
    t0 = time.perf_counter()
    threads = [threading.Thread(target=submitter) for _ in range(submitters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    fsyncs = disk_persister.fsync_count - fsyncs0
    cluster.stop()
    return len(latencies), elapsed, summarize(latencies), fsyncs / max(len(latencies), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short run per row (a smoke test)")
    args = parser.parse_args()
    seconds = 0.5 if args.quick else 3.0
    pin()
    print(f"raft1 on disk: {seconds:.1f} s per row, reliable network, latency start() -> leader apply")
    print(f"{'persister':10} {'peers':>5} {'submitters':>10} {'entries/s':>10} {'mean ms':>8} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'fsyncs/entry':>12}")
    with tempfile.TemporaryDirectory(prefix="disk-bench-", dir=os.environ.get("PERSISTER_DIR")) as tmp:
        for disk in (False, True):
            for peers, submitters in ((3, 1), (3, 10), (5, 1), (5, 10)):
                n, elapsed, lat, per_entry = run(disk, peers, submitters, seconds, Path(tmp))
                fs = f"{per_entry:12.1f}" if disk else f"{'-':>12}"
                print(f"{'disk' if disk else 'memory':10} {peers:5d} {submitters:10d} {n / elapsed:10.0f} "
                      f"{lat.mean:8.2f} {lat.p50:7.2f} {lat.p99:7.2f} {fs}", flush=True)


if __name__ == "__main__":
    main()
