"""Small programs that labsim's tests run in a process of their own, simulated.

    python -m labsim.scenarios NAME SEED [PREEMPT]

prints one JSON object: what the scenario returned, the run's digest, its virtual time, and,
if the run failed, the failure's message. A process of its own, because install() changes
the primitives of the whole process, and the test session that runs these checks is real.
"""

from __future__ import annotations

import json
import os
import queue
import random
import sys
import threading
import time
from typing import Any, Callable

import labsim
from labsim import primitives

SCENARIOS: dict[str, Callable[[], Any]] = {}


def scenario(fn: Callable[[], Any]) -> Callable[[], Any]:
    SCENARIOS[fn.__name__] = fn
    return fn


def _virtual() -> float:
    return round(time.monotonic() - primitives.MONOTONIC_BASE, 6)


@scenario
def clock() -> dict[str, Any]:
    """Every clock and timeout reads virtual time, and long waits take no real time."""
    real0 = primitives._real_monotonic()
    seen: dict[str, Any] = {}
    time.sleep(10)
    seen["after_sleep"] = _virtual()
    seen["event_wait"] = threading.Event().wait(2.5)
    seen["after_event"] = _virtual()
    q: queue.Queue[int] = queue.Queue()
    try:
        q.get(timeout=1.5)
        seen["queue"] = "got"
    except queue.Empty:
        seen["queue"] = "empty"
    seen["after_queue"] = _virtual()
    mu = threading.Lock()
    mu.acquire()
    seen["lock_timeout"] = mu.acquire(timeout=2)
    seen["after_lock"] = _virtual()
    sleeper = threading.Thread(target=time.sleep, args=(60,), name="sleeper")
    sleeper.start()
    sleeper.join(timeout=3)
    seen["alive_after_join_timeout"] = sleeper.is_alive()
    sleeper.join()
    seen["alive_after_join"] = sleeper.is_alive()
    seen["after_join"] = _virtual()
    seen["wall_minus_monotonic"] = round(time.time() - time.monotonic(), 3)
    seen["perf_counter"] = round(time.perf_counter() - primitives.MONOTONIC_BASE, 6)
    seen["real_seconds"] = primitives._real_monotonic() - real0
    return seen


@scenario
def thread_pool() -> dict[str, Any]:
    """concurrent.futures' workers wait in a SimpleQueue, which must not block in C."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(lambda i=i: (time.sleep(i), i)[1]) for i in range(4)]
        results = [f.result(timeout=30) for f in futures]
    return {"results": results, "at": _virtual()}


@scenario
def interleave() -> dict[str, Any]:
    """Threads that lock, sleep and draw random numbers: the order of what they do is the schedule."""
    mu = threading.Lock()
    cond = threading.Condition(mu)
    trace: list[str] = []
    ready = [0]

    def worker(i: int) -> None:
        for k in range(5):
            with mu:
                trace.append(f"{i}.{k}@{_virtual():.6f}")
                ready[0] += 1
                cond.notify_all()
            if random.random() < 0.5:
                time.sleep(random.random() / 100)

    threads = [threading.Thread(target=worker, args=(i,), name=f"w{i}") for i in range(4)]
    for t in threads:
        t.start()
    with cond:
        cond.wait_for(lambda: ready[0] == 20, timeout=30)
    for t in threads:
        t.join()
    return {"trace": trace, "urandom": os.urandom(8).hex()}


@scenario
def lost_update() -> dict[str, Any]:
    """A read and a write of a counter under two separate lock holds: updates can be lost."""
    mu = threading.Lock()
    counter = [0]

    def bump() -> None:
        for _ in range(3):
            with mu:
                v = counter[0]
            with mu:
                counter[0] = v + 1

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"counter": counter[0], "expected": 9}


@scenario
def deadlock() -> None:
    """Two threads take two locks in opposite orders, and wait for each other for ever."""
    a, b = threading.Lock(), threading.Lock()
    both = threading.Barrier(2)

    def first() -> None:
        with a:
            both.wait()
            with b:
                pass

    def second() -> None:
        with b:
            both.wait()
            with a:
                pass

    t1 = threading.Thread(target=first, name="takes-a-then-b")
    t2 = threading.Thread(target=second, name="takes-b-then-a")
    t1.start()
    t2.start()
    t1.join()


@scenario
def limit() -> None:
    """The test's thread waits on an event nobody sets while a ticker keeps the clock moving."""
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            time.sleep(0.1)

    threading.Thread(target=ticker, name="ticker", daemon=True).start()
    threading.Event().wait()


@scenario
def left_running() -> dict[str, Any]:
    """Threads still waiting when the test ends are taken down; their finally blocks run."""
    mu = threading.Lock()
    cleaned: list[str] = []

    def waits_for_ever(name: str) -> None:
        try:
            with mu:
                threading.Event().wait()
        finally:
            cleaned.append(name)

    def sleeps_for_ever(name: str) -> None:
        try:
            while True:
                time.sleep(1)
        finally:
            cleaned.append(name)

    threading.Thread(target=waits_for_ever, args=("waiter",), name="waiter").start()
    threading.Thread(target=sleeps_for_ever, args=("sleeper",), name="sleeper").start()
    time.sleep(5)
    return {"cleaned": cleaned}


@scenario
def fatal_while_sleeping() -> dict[str, Any]:
    """A fatal error in another thread ends the test's thread's sleep at once, at a set virtual time."""
    import labfatal
    labfatal.install()
    labfatal.arm()

    def checker() -> None:
        time.sleep(1.25)
        labfatal.fatalf("apply error: %s", "index 7")

    threading.Thread(target=checker, name="checker").start()
    try:
        time.sleep(30)
    except labfatal.FatalError as e:
        return {"raised": str(e), "at": _virtual(), "recorded": labfatal.take()}
    return {"raised": None, "at": _virtual()}


@scenario
def near_timers() -> dict[str, Any]:
    """Two sleepers due 3 ms apart, each doing a few lock steps once awake: do they ever overlap?"""
    mu = threading.Lock()
    steps: list[str] = []
    woke: dict[str, float] = {}

    def sleeper(name: str, seconds: float) -> None:
        time.sleep(seconds)
        woke[name] = _virtual()
        for _ in range(5):
            with mu:
                steps.append(name)

    threads = [threading.Thread(target=sleeper, args=(name, seconds), name=name)
               for name, seconds in (("a", 1.0), ("b", 1.003))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = "".join(steps)
    return {"woke": woke, "overlap": together not in ("aaaaabbbbb", "bbbbbaaaaa")}


def run(name: str, seed: int, preempt: float) -> dict[str, Any]:
    labsim.install()
    result: dict[str, Any] = {"scenario": name, "seed": seed}
    try:
        with labsim.simulation(seed, limit=120, preempt=preempt, **labsim.schedule()) as sim:
            result["value"] = SCENARIOS[name]()
    except labsim.SimulationFailure as e:
        result["failure"] = str(e)
    result["digest"] = sim.digest()
    result["virtual_seconds"] = round(sim.now, 6)
    if name == "left_running":
        time.sleep(0.2)  # real time, after the simulation: the OS threads finish
        result["threads_after"] = sorted(t.name for t in threading.enumerate())
    return result


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[0] not in SCENARIOS:
        print(f"usage: python -m labsim.scenarios {{{','.join(SCENARIOS)}}} SEED [PREEMPT]", file=sys.stderr)
        return 2
    preempt = float(argv[2]) if len(argv) == 3 else labsim.DEFAULT_PREEMPT
    print(json.dumps(run(argv[0], int(argv[1]), preempt)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
