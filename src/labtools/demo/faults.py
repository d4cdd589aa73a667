"""The demo's fault injector: one fault at a time (calm, fault, hold, heal), chosen from a
catalogue of partitions and crashes by a seeded rng, each applied through the tester's server
group, annotated on the timeline, and recorded as an event for the live view and the report.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import tester1

from labtools.demo.servers import GID, current_leader, server_views

CALM = (0.5, 1.5)  # seconds without a fault between two faults
HOLD = (1.5, 3.0)  # seconds a fault lasts (two election timeouts or so)


def go_list(xs: list[int]) -> str:
    return "[" + " ".join(str(x) for x in xs) + "]"


@dataclass
class FaultEvent:
    at: float  # seconds since the start
    text: str


Revert = Callable[[], None]


class FaultInjector:
    """One fault at a time: calm, fault, hold, heal. Kinds, servers and timings come from
    the seeded rng, so a seed repeats the schedule (the network's own dice are not seeded)."""

    def __init__(self, cfg: tester1.Config, rng: random.Random, t0: float) -> None:
        self.grp = cfg.group(GID)
        self.n = self.grp.n()
        self.rng = rng
        self.t0 = t0
        self._lock = threading.Lock()
        self.events: list[FaultEvent] = []
        self.kinds: Counter[str] = Counter()
        self.current = "none"
        self.sides = [""] * self.n  # per server: its side of the partition, or why it is off
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-faults", daemon=True)

    def catalogue(self) -> list[tuple[str, Callable[[], tuple[str, Revert]], int]]:
        """(kind, inject, weight); partitions need three servers to mean anything."""
        crash_leader = ("crash leader", self._crash_leader, 2)
        crash_all = ("crash all", lambda: self._crash(list(range(self.n))), 1)
        if self.n < 3:
            return [crash_leader, crash_all] if self.n > 1 else [crash_all]
        return [("leader in minority", self._partition_leader, 3),
                ("random partition", self._partition_random, 2),
                ("isolate leader", self._isolate_leader, 2),
                crash_leader,
                ("crash minority", self._crash_minority, 2),
                crash_all]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop and heal the fault in force (the injector's thread does it, then ends)."""
        self._stop.set()
        self._thread.join()

    def snapshot(self) -> tuple[str, list[str], list[FaultEvent], Counter[str]]:
        with self._lock:
            return self.current, list(self.sides), list(self.events), Counter(self.kinds)

    def _run(self) -> None:
        faults = self.catalogue()
        while not self._stop.wait(self.rng.uniform(*CALM)):
            kind, inject, _ = self.rng.choices(faults, weights=[w for _, _, w in faults])[0]
            text, revert = inject()
            self._record(text, kind)
            try:
                self._stop.wait(self.rng.uniform(*HOLD))
            finally:
                revert()
                self._record("healed", None)

    def _record(self, text: str, kind: str | None) -> None:
        with self._lock:
            self.events.append(FaultEvent(time.monotonic() - self.t0, text))
            if kind is not None:
                self.kinds[kind] += 1
                self.current = text
            else:
                self.current = "none"
                self.sides = [""] * self.n

    def _set_sides(self, sides: dict[int, str]) -> None:
        with self._lock:
            for i, side in sides.items():
                self.sides[i] = side

    def _leader_or_random(self) -> tuple[int, str]:
        """The current leader, else a random server; and how to call it."""
        fallback = self.rng.randrange(self.n)  # drawn always, so the rng's sequence does not depend on timing
        leader = current_leader(server_views(self.grp))
        return (leader, " (leader)") if leader is not None else (fallback, " (no leader known)")

    def _heal_network(self) -> None:
        self.grp.connect_all()
        tester1.annotate_clear_failure()

    def _partition(self, p1: list[int], p2: list[int]) -> None:
        self.grp.partition(p1, p2)
        tester1.annotate_two_partitions(p1, p2)
        self._set_sides({**{i: "side A" for i in p1}, **{i: "side B" for i in p2}})

    def _partition_leader(self) -> tuple[str, Revert]:
        """As TestOnePartition4B: the leader and a few others lose the majority."""
        leader, role = self._leader_or_random()
        p1, p2 = self.grp.make_partition(leader)
        self._partition(p1, p2)
        return f"partition {go_list(p1)} | {go_list(p2)}: server {leader}{role} in the minority", \
            self._heal_network

    def _partition_random(self) -> tuple[str, Revert]:
        """As kvtest's partitioner, every server picks a side at random; unlike it, both sides get one."""
        p1: list[int] = []
        p2: list[int] = []
        while not p1 or not p2:
            a = [self.rng.randrange(2) for _ in range(self.n)]
            p1 = [i for i in range(self.n) if a[i] == 0]
            p2 = [i for i in range(self.n) if a[i] == 1]
        self._partition(p1, p2)
        return f"partition {go_list(p1)} | {go_list(p2)} (random)", self._heal_network

    def _isolate_leader(self) -> tuple[str, Revert]:
        leader, role = self._leader_or_random()
        self.grp.disconnect_all(leader)
        tester1.annotate_connection(self.grp.get_connected())
        self._set_sides({leader: "isolated"})
        return f"server {leader}{role} cut off from its peers", self._heal_network

    def _crash_leader(self) -> tuple[str, Revert]:
        leader, role = self._leader_or_random()
        return self._crash([leader], role)

    def _crash_minority(self) -> tuple[str, Revert]:
        k = self.rng.randint(1, (self.n - 1) // 2)
        return self._crash(sorted(self.rng.sample(range(self.n), k)))

    def _crash(self, servers: list[int], note: str = "") -> tuple[str, Revert]:
        """The crash path of kvraft's GenericTest: shut down, later restart from the saved state."""
        for i in servers:
            self.grp.shutdown_server(i)
        tester1.annotate_shutdown(servers)
        self._set_sides({i: "crashed" for i in servers})

        def restart() -> None:
            for i in servers:
                self.grp.start_server(i)
                self.grp.connect_one(i)
            tester1.annotate_restart(servers)

        what = "all servers" if len(servers) == self.n else f"server{'s' if len(servers) > 1 else ''} " + \
            " ".join(str(i) for i in servers)
        return f"crash {what}{note}, restart later", restart
