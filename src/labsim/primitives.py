"""What the simulation intercepts: locks (and so conditions, events, semaphores, queues),
sleeps, the clocks, thread start, join and liveness, and the process's random sources.

``install()`` swaps them in for the whole process, once, before the labs are imported.
Outside a simulated test, or in a thread the simulation did not start, each falls back to
the real thing, so pytest, its timeout and every other thread keep real time.
"""

from __future__ import annotations

import _thread
import os
import queue
import random
import sys
import threading
import time
from typing import Any

from labsim.report import MACHINERY
from labsim.scheduler import DONE, MONOTONIC_BASE, WALL_BASE, SimExit, SimThread, Simulation

_real_allocate_lock = _thread.allocate_lock
_real_start_new_thread = _thread.start_new_thread
_get_ident = _thread.get_ident
_real_monotonic = time.monotonic
_real_time = time.time
_real_perf_counter = time.perf_counter
_real_monotonic_ns = time.monotonic_ns
_real_time_ns = time.time_ns
_real_perf_counter_ns = time.perf_counter_ns
_real_sleep = time.sleep
_real_urandom = os.urandom
_real_thread_start = threading.Thread.start
_real_thread_join = threading.Thread.join
_real_thread_is_alive = threading.Thread.is_alive

_active: Simulation | None = None
_installed = False


def active() -> Simulation | None:
    return _active


def _here() -> tuple[Simulation, SimThread] | tuple[None, None]:
    """The running simulation and this thread's record, or (None, None) for real behaviour."""
    sim = _active
    if sim is None or sim.dead:
        return None, None
    rec = sim.threads.get(_get_ident())
    if rec is None:
        return None, None
    return sim, rec


def _now() -> float | None:
    """Virtual seconds since the start, in a simulated thread; None elsewhere."""
    sim = _active
    if sim is None or sim.dead or _get_ident() not in sim.threads:
        return None
    return sim.now


class SimLock:
    """``threading.Lock`` under simulation: a real lock holds the state; waiting is the scheduler's."""

    __slots__ = ("_real", "owner", "taken_at", "__weakref__")

    def __init__(self) -> None:
        self._real = _real_allocate_lock()
        self.owner: SimThread | None = None
        self.taken_at: tuple[Any, int] | None = None  # (code, line) where the owner took it

    def _took(self, rec: SimThread) -> None:
        self.owner = rec
        f = sys._getframe(2)
        while f.f_back is not None and f.f_code.co_filename in MACHINERY:
            f = f.f_back
        self.taken_at = (f.f_code, f.f_lineno)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        sim = _active
        rec = sim.threads.get(_get_ident()) if sim is not None and not sim.dead else None
        if rec is None:
            return self._real.acquire(blocking, timeout)
        if timeout != -1:
            if not blocking:
                raise ValueError("can't specify a timeout for a non-blocking call")
            if timeout < 0:
                raise ValueError("timeout value must be a non-negative number")
        if rec.killed:  # unwinding: take a free lock so that finally blocks balance, never wait
            if self._real.acquire(False):
                return True
            raise SimExit()
        sim.point(rec)
        real = self._real
        if real.acquire(False):
            self._took(rec)
            return True
        if not blocking:
            return False
        deadline = None if timeout == -1 else sim.now + timeout
        while True:
            woken = sim.block(rec, self, deadline, "")
            if real.acquire(False):
                self._took(rec)
                return True
            if not woken:
                return False

    def release(self) -> None:
        sim = _active
        rec = sim.threads.get(_get_ident()) if sim is not None and not sim.dead else None
        if rec is not None and rec.killed and not self._real.locked():
            return  # unwinding after a lock that was never retaken
        self._real.release()
        self.owner = None
        self.taken_at = None
        if rec is not None:
            if sim.waiters:
                sim.wake(self)
            if not rec.killed:
                sim.point(rec)

    def locked(self) -> bool:
        return self._real.locked()

    __enter__ = acquire

    def __exit__(self, *exc: Any) -> None:
        self.release()

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def _at_fork_reinit(self) -> None:
        self._real = _real_allocate_lock()
        self.owner = None
        self.taken_at = None

    def __repr__(self) -> str:
        state = "locked" if self._real.locked() else "unlocked"
        return f"<labsim lock {state} at {id(self):#x}>"


# --- time -----------------------------------------------------------------------------

def monotonic() -> float:
    now = _now()
    return _real_monotonic() if now is None else MONOTONIC_BASE + now


def perf_counter() -> float:
    now = _now()
    return _real_perf_counter() if now is None else MONOTONIC_BASE + now


def wall_time() -> float:
    now = _now()
    return _real_time() if now is None else WALL_BASE + now


def monotonic_ns() -> int:
    now = _now()
    return _real_monotonic_ns() if now is None else int((MONOTONIC_BASE + now) * 1e9)


def perf_counter_ns() -> int:
    now = _now()
    return _real_perf_counter_ns() if now is None else int((MONOTONIC_BASE + now) * 1e9)


def wall_time_ns() -> int:
    now = _now()
    return _real_time_ns() if now is None else int((WALL_BASE + now) * 1e9)


def sleep(secs: float) -> None:
    sim, rec = _here()
    if sim is None:
        return _real_sleep(secs)
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    if rec.killed:
        raise SimExit()
    if secs == 0:
        sim.point(rec)
        return
    deadline = sim.now + secs
    while sim.now < deadline:  # woken early only to run something (labfatal's interrupt): sleep on
        sim.block(rec, None, deadline, f"sleep({secs:g})")


def urandom(n: int) -> bytes:
    """In a simulated thread, bytes from the seeded stream: end names and client ids repeat."""
    sim, _ = _here()
    if sim is None:
        return _real_urandom(n)
    return random.getrandbits(8 * n).to_bytes(n, "little") if n else b""


# --- threads --------------------------------------------------------------------------

def _thread_start(self: threading.Thread) -> None:
    sim, rec = _here()
    if sim is None:
        return _real_thread_start(self)
    if not self._initialized:  # type: ignore[attr-defined]
        raise RuntimeError("thread.__init__() not called")
    if getattr(self, "_labsim", None) is not None or self._started.is_set():  # type: ignore[attr-defined]
        raise RuntimeError("threads can only be started once")
    if rec.killed:
        raise SimExit()
    child = sim.spawn(self)
    self._labsim = (sim, child)  # type: ignore[attr-defined]
    with threading._active_limbo_lock:  # type: ignore[attr-defined]
        threading._limbo[self] = self  # type: ignore[attr-defined]
    _real_start_new_thread(_bootstrap, (self, sim, child))
    sim.point(rec)


def _bootstrap(thread: threading.Thread, sim: Simulation, rec: SimThread) -> None:
    sim.attach(rec)
    try:
        rec.baton.acquire()  # wait to be scheduled for the first time
        if rec.killed or sim.dead:
            with threading._active_limbo_lock:  # type: ignore[attr-defined]
                threading._limbo.pop(thread, None)  # type: ignore[attr-defined]
            thread._is_stopped = True  # type: ignore[attr-defined]
            return
        run = thread.run

        def run_until_taken_down() -> None:
            try:
                run()
            except BaseException:
                if not rec.killed:  # what a thread raises while it is taken down follows from that
                    raise

        thread.run = run_until_taken_down  # type: ignore[method-assign]
        thread._bootstrap()  # type: ignore[attr-defined]
    finally:
        sim.exit(rec)


def _owner(thread: threading.Thread) -> tuple[Simulation, SimThread] | None:
    own = getattr(thread, "_labsim", None)
    if own is None or own[0].dead:
        return None
    return own


def _thread_join(self: threading.Thread, timeout: float | None = None) -> None:
    own = _owner(self)
    sim, rec = _here()
    if own is None or sim is None:
        return _real_thread_join(self, timeout)
    if self is threading.current_thread():
        raise RuntimeError("cannot join current thread")
    target = own[1]
    deadline = None if timeout is None else sim.now + max(timeout, 0)
    sim.point(rec)
    while target.state is not DONE:
        if not sim.block(rec, target, deadline, f"join({self.name})"):
            return


def _thread_is_alive(self: threading.Thread) -> bool:
    own = _owner(self)
    if own is None:
        return _real_thread_is_alive(self)
    return own[1].state is not DONE


# --- the switch -----------------------------------------------------------------------

def install() -> None:
    """Swap the simulated primitives in, for the whole process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    threading.Lock = SimLock  # type: ignore[misc,assignment]
    threading._allocate_lock = SimLock  # type: ignore[attr-defined]
    threading._CRLock = None  # type: ignore[attr-defined]  # RLock() becomes the Python one, on SimLock
    threading._time = monotonic  # type: ignore[attr-defined]
    threading.Thread.start = _thread_start  # type: ignore[method-assign]
    threading.Thread.join = _thread_join  # type: ignore[method-assign]
    threading.Thread.is_alive = _thread_is_alive  # type: ignore[method-assign]
    queue.time = monotonic  # type: ignore[attr-defined]
    queue.SimpleQueue = queue._PySimpleQueue  # type: ignore[attr-defined,misc]
    time.monotonic = monotonic
    time.perf_counter = perf_counter
    time.time = wall_time
    time.monotonic_ns = monotonic_ns
    time.perf_counter_ns = perf_counter_ns
    time.time_ns = wall_time_ns
    time.sleep = sleep
    os.urandom = urandom
    import labfatal  # after the swap: its lock, made at import, is a simulated one
    labfatal.set_interrupter(_interrupt_main)


def _interrupt_main() -> bool:
    """labfatal's interrupt of the test's thread, as a scheduling decision instead of a signal."""
    sim, rec = _here()
    if sim is None:
        return False
    if rec is not sim.main and not rec.killed and not sim.draining:
        import labfatal
        sim.call_in_main(rec, labfatal.deliver)
    return True  # while the run is taken down, the recorded error fails the test at its end


def installed() -> bool:
    return _installed


def begin(sim: Simulation) -> None:
    global _active
    if _active is not None and not _active.dead:
        raise RuntimeError("labsim: a simulation is already running")
    _active = sim


def end(sim: Simulation) -> None:
    global _active
    if _active is sim:
        _active = None
