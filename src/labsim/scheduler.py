"""The simulation itself: one thread runs at a time, on one virtual clock, chosen by a seed.

Every simulated thread is a real OS thread that holds a *baton* (a real lock) while it runs
and waits on it otherwise. A thread gives up its baton only at a synchronization point (a
lock, a sleep, a thread start or exit, and everything built on them: conditions, events,
queues, RPCs), so between two points it runs alone and nothing it does can interleave with
another thread. At each point the scheduler may hand the baton to another runnable thread,
chosen by a policy that draws on the seed's stream (labsim.policy); when no thread can run,
the clock jumps to the earliest timer. Python's CPU time is not measured (it would not
repeat): each step moves the clock by STEP_COST instead.

The sequence of choices is hashed into a digest: the same seed and the same code give the
same schedule, and so the same digest.
"""

from __future__ import annotations

import _thread
import hashlib
import heapq
import random
import struct
from typing import Any, Callable

from labsim.policy import PCT, RandomWalk

RUNNABLE, BLOCKED, DONE = "runnable", "blocked", "done"

MONOTONIC_BASE = 100_000.0  # what time.monotonic() reads when a simulation starts
WALL_BASE = 1_767_225_600.0  # what time.time() reads then: 2026-01-01 00:00 UTC

# What one synchronization step costs on the virtual clock. Python's own CPU time is not
# measured (that would not repeat), but a loop that runs "for one second" doing RPCs on a
# reliable network, or polls a flag, must see the clock move: each lock, sleep(0) or thread
# start moves it by this much, about what such a step takes in real time here.
STEP_COST = 10e-6


class SimExit(SystemExit):
    """Raised in a simulated thread that the simulation is taking down (it has ended).

    A SystemExit, which a thread's excepthook passes over; ``quiet_thread_exit`` tells code
    that turns every other exception into an error report (labrpc's handler worker) to let
    it through, without that code importing labsim."""

    quiet_thread_exit = True


class SimulationFailure(AssertionError):
    """The run cannot go on: a deadlock, or no thread can run before the test's time limit."""


class SimThread:
    """The scheduler's record of one simulated thread."""

    __slots__ = ("sid", "thread", "baton", "state", "waiting", "what", "deadline", "gen",
                 "timed_out", "killed", "pending")

    def __init__(self, sid: int, thread: Any) -> None:
        self.sid = sid  # 0 for the test's own thread, then in order of start
        self.thread = thread
        self.baton = _thread.allocate_lock()
        self.baton.acquire()
        self.state = RUNNABLE
        self.waiting: Any = None  # the object it is blocked on (None: a sleep)
        self.what = ""  # what it waits for, in words, for the deadlock report
        self.deadline: float | None = None
        self.gen = 0  # bumped on every wake-up, so that a stale timer is ignored
        self.timed_out = False
        self.killed = False
        self.pending: Callable[[], None] | None = None  # run where it wakes: it may raise

    @property
    def name(self) -> str:
        return self.thread.name


class Simulation:
    """One test's run: its threads, its clock, its timers and its random choices."""

    def __init__(self, seed: int, *, limit: float, preempt: float, main_thread: Any,
                 describe: Callable[["Simulation", str], str], step_cost: float = STEP_COST,
                 schedule: str = "random", pct_depth: int = 3, pct_steps: int = 100_000,
                 slack: float = 0.0) -> None:
        self.seed = seed
        self.step_cost = step_cost
        # Timer slack: when the clock jumps to a timer, it lands up to this much later, and
        # every timer due by then fires together, as on a loaded machine that wakes threads
        # late and in bunches. Timeouts that fall close together then race, which a clock
        # that wakes one timer at a time almost never lets them do.
        self.slack = slack
        self.rng = random.Random(f"labsim-schedule-{seed}")
        self.limit = limit  # virtual seconds the test may last
        self.changed = False  # the runnable set changed since the policy last chose (PCT reads it)
        if schedule == "random":
            self.policy: RandomWalk | PCT = RandomWalk(preempt)
        elif schedule == "pct":
            self.policy = PCT(self, pct_depth, pct_steps)
        else:
            raise ValueError(f"labsim: unknown schedule {schedule!r}: random or pct")
        self.now = 0.0  # virtual seconds since the start
        self.threads: dict[int, SimThread] = {}  # OS ident -> record
        self.by_sid: list[SimThread] = []
        self.runnable: list[SimThread] = []
        self.timers: list[tuple[float, int, SimThread, int]] = []
        self._timer_seq = 0
        self.waiters: dict[int, list[SimThread]] = {}  # id(object) -> threads blocked on it
        self.steps = 0
        self.switches = 0
        self._digest = hashlib.sha256()
        self.dead = False  # ended: every primitive falls back to real behaviour
        self.draining = False
        self.failure: SimulationFailure | None = None
        # An exception a signal handler raised in the test's thread while it waited for its
        # baton (labfatal's fatal error, a timeout): the running thread hands the baton over.
        self.interrupted: BaseException | None = None
        self._describe = describe
        self.main = self._register(main_thread, _thread.get_ident())  # it holds its baton: it runs
        self.current = self.main

    # --- threads --------------------------------------------------------------------

    def _register(self, thread: Any, ident: int | None) -> SimThread:
        rec = SimThread(len(self.by_sid), thread)
        self.by_sid.append(rec)
        self.runnable.append(rec)
        self.changed = True
        self.policy.spawned(self, rec)
        if ident is not None:
            self.threads[ident] = rec
        return rec

    def spawn(self, thread: Any) -> SimThread:
        """A new thread, runnable; its OS thread waits for the baton before it runs anything."""
        return self._register(thread, None)

    def attach(self, rec: SimThread) -> None:
        """Called by a new OS thread, before it waits for its baton for the first time."""
        self.threads[_thread.get_ident()] = rec

    def exit(self, rec: SimThread) -> None:
        """The thread is finished: wake its joiners and pass the baton on for good."""
        rec.state = DONE
        if rec in self.runnable:
            self.runnable.remove(rec)
        self.wake(rec)
        if self.dead:
            return
        if self.draining:
            self._hand_to(rec, self.main, parking=False)
            return
        self._run_next(rec, parking=False)

    # --- scheduling points ----------------------------------------------------------

    def point(self, rec: SimThread) -> None:
        """A synchronization point: perhaps let another runnable thread go first."""
        self.steps += 1
        self.now += self.step_cost
        if self.timers and self.timers[0][0] <= self.now:
            self._fire_due()
        if self.interrupted is not None and rec is not self.main and not self.draining:
            self._deliver_interrupt(rec)
            return
        if self.draining:
            return
        nxt = self.policy.at_point(self, rec)
        if nxt is not None and nxt is not rec:
            self._hand_to(rec, nxt, parking=True)

    def block(self, rec: SimThread, obj: Any, deadline: float | None, what: str) -> bool:
        """Wait on ``obj`` until woken (True) or until the virtual ``deadline`` (False)."""
        if rec.killed:
            raise SimExit()
        if self.draining:  # the run has failed: the test's thread unwinds, and must not wait
            raise self.failure if rec is self.main and self.failure else SimExit()
        rec.state = BLOCKED
        rec.waiting = obj
        rec.what = what
        rec.deadline = deadline
        self.runnable.remove(rec)
        if obj is not None:
            self.waiters.setdefault(id(obj), []).append(rec)
        if deadline is not None:
            self._timer_seq += 1
            heapq.heappush(self.timers, (deadline, self._timer_seq, rec, rec.gen))
        self._run_next(rec, parking=True)
        timed_out, rec.timed_out = rec.timed_out, False
        return not timed_out

    def wake(self, obj: Any) -> None:
        """Make every thread blocked on ``obj`` runnable; each checks again when it runs."""
        blocked = self.waiters.pop(id(obj), None)
        if blocked:
            for rec in blocked:
                self._make_runnable(rec)

    def _make_runnable(self, rec: SimThread) -> None:
        if rec.state is not BLOCKED:
            return
        rec.state = RUNNABLE
        rec.gen += 1
        rec.waiting = None
        rec.deadline = None
        self.runnable.append(rec)
        self.changed = True

    def _run_next(self, rec: SimThread, *, parking: bool) -> None:
        if self.interrupted is not None and rec is not self.main and not self.draining:
            self._deliver_interrupt(rec, parking=parking)
            return
        while not self.runnable:
            self._advance_clock(rec, parking)
        self._hand_to(rec, self.policy.pick(self), parking=parking)

    def _advance_clock(self, rec: SimThread, parking: bool) -> None:
        """No thread can run: fire the earliest timer, or fail if there is none before the limit."""
        while self.timers:
            deadline, _, waiter, gen = self.timers[0]
            if gen != waiter.gen or waiter.state is not BLOCKED:
                heapq.heappop(self.timers)
                continue
            if deadline > self.limit:
                break
            heapq.heappop(self.timers)
            if deadline > self.now:
                self.now = deadline
            self._time_out(waiter)
            if self.slack:
                self.now += self.rng.random() * self.slack
                self._fire_due()
            return
        if self.timers:
            reason = (f"the test's limit of {self.limit:.0f} virtual seconds passed "
                      f"and no thread could run before it")
        else:
            reason = "deadlock: no thread can run and no timer is set"
        self._fail(rec, reason, parking=parking)

    def _fire_due(self) -> None:
        """The clock has moved past timers while threads ran: their sleepers become runnable."""
        while self.timers and self.timers[0][0] <= self.now:
            _, _, waiter, gen = heapq.heappop(self.timers)
            if gen == waiter.gen and waiter.state is BLOCKED:
                self._time_out(waiter)

    def _time_out(self, waiter: SimThread) -> None:
        if waiter.waiting is not None:
            blocked = self.waiters.get(id(waiter.waiting))
            if blocked and waiter in blocked:
                blocked.remove(waiter)
        waiter.timed_out = True
        self._make_runnable(waiter)

    def _hand_to(self, rec: SimThread, nxt: SimThread, *, parking: bool) -> None:
        """Give the baton to ``nxt``; if ``parking``, wait until it comes back to ``rec``."""
        if nxt is rec:
            return
        self.switches += 1
        self._digest.update(struct.pack("<IIQd", rec.sid, nxt.sid, self.steps, self.now))
        self.current = nxt
        nxt.baton.release()
        if parking:
            self._park(rec)

    def _deliver_interrupt(self, rec: SimThread, *, parking: bool = True) -> None:
        """Run the test's thread now, so that it raises what interrupted it."""
        exc, self.interrupted = self.interrupted, None
        self._raise_in_main(rec, exc, parking=parking)

    def _raise_in_main(self, rec: SimThread, exc: BaseException, *, parking: bool) -> None:
        def throw() -> None:
            raise exc
        self.call_in_main(rec, throw, parking=parking)

    def call_in_main(self, rec: SimThread, action: Callable[[], None], *, parking: bool = True) -> None:
        """Run the test's thread next, and have it call ``action`` where it waits (Go's log.Fatalf
        ending a test that sleeps: labfatal's interrupt, without a signal's real timing)."""
        self.main.pending = action
        self._make_runnable(self.main)
        self._hand_to(rec, self.main, parking=parking)

    def _park(self, rec: SimThread) -> None:
        self._wait_for_baton(rec)
        if rec.pending is not None:
            action, rec.pending = rec.pending, None
            action()
        if rec.killed:
            raise SimExit()

    # --- failure and the end ----------------------------------------------------------

    def _fail(self, rec: SimThread, reason: str, *, parking: bool = False) -> None:
        """Stop the run: the test's thread raises SimulationFailure with the report."""
        report = self._describe(self, reason)
        failure = SimulationFailure(report)
        self.failure = failure
        self.draining = True  # no more switches: only the test's thread runs from here on
        if rec is self.main:
            if rec.state is BLOCKED:
                self._make_runnable(rec)
            raise failure
        if rec.state is not DONE:
            rec.killed = True
        self._raise_in_main(rec, failure, parking=parking)
        if parking:
            raise SimExit()

    def finish(self) -> None:
        """Called by the test's thread at the end: take every other thread down, in order."""
        self.draining = True
        for rec in self.by_sid[1:]:
            if rec.state is DONE:
                continue
            rec.killed = True
            if rec.state is BLOCKED:
                self._make_runnable(rec)
            self._hand_to(self.main, rec, parking=False)
            self._park_main()
        self.dead = True

    def _wait_for_baton(self, rec: SimThread) -> None:
        while True:
            try:
                rec.baton.acquire()
                return
            except BaseException as exc:  # a signal handler raised in the test's thread
                if self.interrupted is None and rec.pending is None:
                    self.interrupted = exc  # the running thread passes the baton at its next point
                if self.dead:
                    raise

    def _park_main(self) -> None:
        self._wait_for_baton(self.main)
        self.main.pending = None

    def abort(self) -> None:
        """The test's thread was interrupted (a timeout signal): let everything unwind on its own."""
        self.dead = True
        self.draining = True
        for rec in self.by_sid[1:]:
            if rec.state is not DONE:
                rec.killed = True
                if rec.baton.locked() and rec is not self.current:
                    rec.baton.release()

    def digest(self) -> str:
        """The schedule so far, as 16 hex digits."""
        d = self._digest.copy()
        d.update(struct.pack("<QQd", self.steps, self.switches, self.now))
        return d.hexdigest()[:16]
