"""Raft agreement figures: commits per second and commit latency through start().

    .venv/bin/python bench/raft_bench.py [--seconds S] [--quick]

For 3 and 5 peers on a reliable labrpc network, 1 or 10 submitter threads each call
start() on the leader and wait until the command comes out of the leader's apply
channel (a closed loop, as KV clerks do). Latency runs from just before start() to
the leader's apply; "all peers" is until the last peer applied it. Raft is wired
directly (labrpc.Network + raft1.raft.make + one apply-channel reader per peer), so
the timing includes nothing of the tester. Asserts nothing; prints figures.
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field

import benchlib  # also puts src/ on sys.path
import raftapi
from labrpc import Network, Server, Service
from raft1.raft import make
from tester1.persister import Persister

LEADER_WAIT = 5.0  # seconds to wait for a leader (elections take well under one)
COMMIT_WAIT = 2.0  # seconds a submitter waits for its command before trying again
WARMUP = 0.2  # seconds of load before measuring starts


@dataclass
class Window:
    """What one run measured, between start and end (perf_counter seconds)."""

    start: float = 0.0
    end: float = 0.0
    leader_latency: list[float] = field(default_factory=list)
    started: list[tuple[int, int, float]] = field(default_factory=list)  # (peer, index, t0)
    completed: int = 0
    retries: int = 0


class Cluster:
    """n Raft peers on one network, each with a reader of its apply channel."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.net = Network()
        self._lock = threading.Lock()
        self.applied: list[dict[int, tuple[float, object]]] = [{} for _ in range(n)]  # index -> (time, cmd)
        self._waiters: dict[tuple[int, int], threading.Event] = {}
        self.rafts = []
        for i in range(n):
            ends = []
            for j in range(n):
                name = f"{i}->{j}"
                ends.append(self.net.make_end(name))
                self.net.connect(name, f"server{j}")
                self.net.enable(name, True)
            apply_ch: raftapi.Channel = raftapi.Channel()
            rf = make(ends, i, Persister(), apply_ch)
            srv = Server()
            srv.add_service(Service(rf))
            self.net.add_server(f"server{i}", srv)
            self.rafts.append(rf)
            threading.Thread(target=self._reader, args=(i, apply_ch), daemon=True).start()
        self._leader = -1

    def _reader(self, peer: int, apply_ch: raftapi.Channel) -> None:
        """Record when each command is applied, and wake a submitter waiting for it."""
        for m in apply_ch:
            if m.command_valid:
                now = time.perf_counter()
                with self._lock:
                    self.applied[peer][m.command_index] = (now, m.command)
                    ev = self._waiters.pop((peer, m.command_index), None)
                if ev is not None:
                    ev.set()

    def wait_applied(self, peer: int, index: int, timeout: float) -> tuple[float, object] | None:
        """Block until ``peer`` applied ``index``; (apply time, command), or None on timeout."""
        with self._lock:
            got = self.applied[peer].get(index)
            if got is None:
                ev = self._waiters.setdefault((peer, index), threading.Event())
        if got is None:
            if not ev.wait(timeout):
                return None
            with self._lock:
                got = self.applied[peer][index]
        return got

    def applied_everywhere(self, index: int) -> float | None:
        """When the last peer applied ``index``; None if some peer has not."""
        with self._lock:
            times = [a.get(index) for a in self.applied]
        return max(t for t, _ in times) if all(times) else None

    def leader(self) -> int:
        """The current leader, waiting for an election if there is none."""
        if self._leader >= 0:
            return self._leader
        deadline = time.monotonic() + LEADER_WAIT
        while time.monotonic() < deadline:
            for i, rf in enumerate(self.rafts):
                if rf.get_state()[1]:
                    self._leader = i
                    return i
            time.sleep(0.02)
        raise RuntimeError(f"no leader among {self.n} peers after {LEADER_WAIT} s")

    def lost_leader(self) -> None:
        self._leader = -1

    def shutdown(self) -> None:
        for rf in self.rafts:
            rf.kill()
        self.net.cleanup()


def submitter(cl: Cluster, me: int, w: Window, stop_at: float, lock: threading.Lock) -> None:
    """Propose commands one at a time until stop_at; record the ones started after w.start."""
    seq = 0
    while (t0 := time.perf_counter()) < stop_at:
        cmd = me * 1_000_000_000 + seq
        seq += 1
        leader = cl.leader()
        index, _, ok = cl.rafts[leader].start(cmd)
        if not ok:
            cl.lost_leader()
            with lock:
                w.retries += 1
            continue
        got = cl.wait_applied(leader, index, COMMIT_WAIT)
        with lock:
            if got is None or got[1] != cmd:
                w.retries += 1  # lost to a new leader; propose again
                cl.lost_leader()
            elif t0 >= w.start:
                w.leader_latency.append(got[0] - t0)
                w.started.append((leader, index, t0))
                if got[0] <= w.end:
                    w.completed += 1


def run(n: int, submitters: int, seconds: float) -> dict[str, float]:
    """One configuration: throughput, latencies and costs per commit."""
    cl = Cluster(n)
    try:
        cl.leader()
        w = Window()
        lock = threading.Lock()
        now = time.perf_counter()
        w.start, w.end = now + WARMUP, now + WARMUP + seconds
        threads = [threading.Thread(target=submitter, args=(cl, k, w, w.end, lock)) for k in range(submitters)]
        for t in threads:
            t.start()
        time.sleep(max(0.0, w.start - time.perf_counter()))
        c0, rpcs0 = time.process_time(), cl.net.get_total_count()
        time.sleep(max(0.0, w.end - time.perf_counter()))
        cpu, rpcs = time.process_time() - c0, cl.net.get_total_count() - rpcs0
        for t in threads:
            t.join()
        all_peers = _all_peer_latencies(cl, w)
        log_len = max(len(a) for a in cl.applied)
    finally:
        cl.shutdown()
    ops = max(w.completed, 1)
    lead, every = benchlib.summarize(w.leader_latency), benchlib.summarize(all_peers)
    return {"ops": w.completed / seconds, "mean": lead.mean, "p50": lead.p50, "p99": lead.p99,
            "all_p50": every.p50, "all_p99": every.p99, "cpu_us": cpu / ops * 1e6, "rpcs": rpcs / ops,
            "retries": w.retries, "log": log_len}


def _all_peer_latencies(cl: Cluster, w: Window) -> list[float]:
    """Time until the last peer applied each measured command (followers learn the commit later)."""
    if not w.started:
        return []
    last_index = max(index for _, index, _ in w.started)
    for peer in range(cl.n):  # followers hear of the last commit with the next AppendEntries
        cl.wait_applied(peer, last_index, COMMIT_WAIT)
    done = [(cl.applied_everywhere(index), t0) for _, index, t0 in w.started]
    return [t - t0 for t, t0 in done if t is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per configuration")
    parser.add_argument("--quick", action="store_true", help="0.5 s per configuration (a smoke test)")
    args = parser.parse_args()
    seconds = 0.5 if args.quick else args.seconds
    print(benchlib.pin())
    rows = []
    for n in (3, 5):
        for k in (1, 10):
            r = run(n, k, seconds)
            rows.append([str(n), str(k), f"{r['ops']:.0f}", f"{r['mean']:.2f}", f"{r['p50']:.2f}",
                         f"{r['p99']:.2f}", f"{r['all_p50']:.2f}", f"{r['all_p99']:.2f}",
                         f"{r['cpu_us']:.0f}", f"{r['rpcs']:.2f}", f"{r['log']:.0f}"])
            if r["retries"]:
                print(f"  ({n} peers, {k} submitters: {r['retries']:.0f} proposals lost to a leader change)")
    benchlib.print_table(
        f"Raft agreement, reliable network, {seconds:g} s per row",
        ["peers", "submitters", "commits/s", "mean ms", "p50 ms", "p99 ms", "all p50 ms", "all p99 ms",
         "CPU us/commit", "RPCs/commit", "log entries"],
        rows,
        note="latency: start() to the leader's apply channel; 'all': until every peer applied it.\n"
             "log entries: the log's length at the end of the row (what a commit costs may depend on it)")


if __name__ == "__main__":
    main()
