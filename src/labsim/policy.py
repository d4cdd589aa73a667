"""How the scheduler chooses the next thread: at random, or by PCT's priorities.

A policy is asked at each synchronization point whether to switch (``at_point``) and, when
the running thread blocks or ends, which runnable thread goes next (``pick``). Both draw only
on the simulation's own random stream, so a seed names a schedule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labsim.scheduler import SimThread, Simulation


class RandomWalk:
    """At each point, with chance ``preempt``, switch to a thread drawn from the runnable ones."""

    name = "random"

    def __init__(self, preempt: float) -> None:
        self.preempt = preempt

    def spawned(self, sim: "Simulation", rec: "SimThread") -> None:
        pass

    def at_point(self, sim: "Simulation", rec: "SimThread") -> "SimThread | None":
        if len(sim.runnable) < 2 or sim.rng.random() >= self.preempt:
            return None
        return sim.runnable[sim.rng.randrange(len(sim.runnable))]

    def pick(self, sim: "Simulation") -> "SimThread":
        runnable = sim.runnable
        return runnable[sim.rng.randrange(len(runnable))] if len(runnable) > 1 else runnable[0]


class PCT:
    """Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).

    Each thread gets a random priority when it starts, and the highest-priority runnable
    thread always runs. At ``depth - 1`` steps drawn from the first ``steps`` the running
    thread drops below every starting priority. A bug that needs d ordering constraints is
    found by one run with probability at least 1/(n * k^(d-1)); a random walk makes deep
    orderings, one thread running far ahead of another, very unlikely.
    """

    name = "pct"

    def __init__(self, sim: "Simulation", depth: int, steps: int) -> None:
        self.depth = depth
        self.changes = {sim.rng.randrange(1, max(2, steps)): depth - 1 - i for i in range(depth - 1)}
        self.priority: dict[int, float] = {}

    def spawned(self, sim: "Simulation", rec: "SimThread") -> None:
        self.priority[rec.sid] = self.depth + sim.rng.random()

    def at_point(self, sim: "Simulation", rec: "SimThread") -> "SimThread | None":
        drop = self.changes.get(sim.steps)
        if drop is not None:
            self.priority[rec.sid] = drop + sim.rng.random() / 2
            sim.changed = True
        if not sim.changed:
            return None  # nothing became runnable and no priority moved: rec is still the highest
        best = self.pick(sim)
        return best if best is not rec else None

    def pick(self, sim: "Simulation") -> "SimThread":
        sim.changed = False
        priority = self.priority
        return max(sim.runnable, key=lambda r: priority[r.sid])
