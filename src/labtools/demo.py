"""A kvraft workbench: a replicated key/value service under faults, watched live, then checked.

Run with ``make demo`` (or ``python -m labtools.demo --seconds 10 --unreliable --seed 7``).
It starts a group of kvraft servers on the emulated network through the labs' own
tester, lets clients do versioned Puts and Gets on a few keys (kvtest's
``one_client_put``, every call logged exactly as the tests log it), and meanwhile
partitions the network and crashes and restarts servers, one fault at a time. A live
table shows each server's term, role and state sizes. At the end every fault is healed,
the history is checked for linearizability with porcupine, and an HTML timeline of the
operations and the faults is written. Exits 1 if the history is not linearizable, or a
client saw a wrong answer or never finished.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import signal
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

import labrpc
import porcupine
import raftapi
import tester1
from kvraft1 import client as kvclient
from kvraft1 import server as kvserver
from kvsrv1 import rpc
from kvtest1 import IKVClerk, TestClerk, make_keys
from kvtest1 import Test as KVTest
from labrpc.affinity import pin_to_one_cpu
from models1.kv import kv_model
from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from tester1 import annotation

GID = tester1.GRP0
REFRESH = 0.25  # seconds between samples (the live view's refresh; 4 per second)
PLAIN_EVERY = 2.0  # seconds between status lines without the live view
RATE_WINDOW = 2.0  # seconds over which the "now" ops/s is measured
DRAIN_TIMEOUT = 30.0  # seconds the clients get to finish their last call once all is healed
CALM = (0.5, 1.5)  # seconds without a fault between two faults
HOLD = (1.5, 3.0)  # seconds a fault lasts (two election timeouts or so)


# --- clerks that count what they see ---------------------------------------------------------


class OpCounts:
    """Finished clerk calls by (op, outcome), for the live view; the OpLog keeps the history."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, op: str, err: rpc.Err) -> None:
        with self._lock:
            self._counts[(op, err)] += 1

    def snapshot(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self._counts)


class CountingClerk(TestClerk):
    """A test clerk that also counts each call's outcome as it returns."""

    def __init__(self, clerk: IKVClerk, clnt: tester1.Clnt, counts: OpCounts) -> None:
        super().__init__(clerk, clnt)
        self.counts = counts

    def get(self, key: str) -> tuple[str, rpc.Tversion, rpc.Err]:
        val, ver, err = self.clerk.get(key)
        self.counts.add("get", err)
        return val, ver, err

    def put(self, key: str, value: str, version: rpc.Tversion) -> rpc.Err:
        err = self.clerk.put(key, value, version)
        self.counts.add("put", err)
        return err


class ClerkMaker:
    """kvtest's IClerkMaker for the demo's group (as kvraft1.test.Test, minus its Begin line)."""

    def __init__(self, cfg: tester1.Config, counts: OpCounts) -> None:
        self.cfg = cfg
        self.counts = counts

    def make_clerk(self) -> IKVClerk:
        clnt = self.cfg.make_client()
        return CountingClerk(kvclient.make_clerk(clnt, self.cfg.group(GID).srv_names()), clnt, self.counts)

    def delete_clerk(self, ck: IKVClerk) -> None:
        assert isinstance(ck, TestClerk)
        self.cfg.delete_client(ck.clnt)


# --- what the servers look like right now ------------------------------------------------------


@dataclass
class ServerView:
    up: bool
    connected: bool
    term: int | None
    is_leader: bool
    raft_bytes: int
    snapshot_bytes: int
    rpcs: int | None  # received by the current incarnation


def _raft_of(svcs: Sequence[object] | None) -> raftapi.Raft | None:
    for s in svcs or []:
        if isinstance(s, raftapi.Raft):
            return s
    return None


def server_views(grp: tester1.ServerGrp) -> list[ServerView]:
    """Ask every live server's Raft for (term, leader) and read its persisted sizes."""
    views = []
    for i, svcs in enumerate(grp.services()):
        rf = _raft_of(svcs)
        term, is_leader = rf.get_state() if rf is not None else (None, False)
        saved = grp.srvs[i].saved
        try:
            rpcs: int | None = grp.rpc_count(i)
        except labrpc.RPCError:  # crashed: its labrpc server is deleted
            rpcs = None
        views.append(ServerView(rf is not None, grp.is_connected(i), term, is_leader,
                                saved.raft_state_size() if saved else 0,
                                saved.snapshot_size() if saved else 0, rpcs))
    return views


def current_leader(views: list[ServerView]) -> int | None:
    """The leader of the highest term; a deposed leader in a minority may still think it leads."""
    leaders = [(v.term or 0, i) for i, v in enumerate(views) if v.up and v.is_leader]
    return max(leaders)[1] if leaders else None


# --- the fault injector ----------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _go_list(xs: list[int]) -> str:
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
        return f"partition {_go_list(p1)} | {_go_list(p2)}: server {leader}{role} in the minority", \
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
        return f"partition {_go_list(p1)} | {_go_list(p2)} (random)", self._heal_network

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


# --- the clients ----------------------------------------------------------------------------------


class Clients:
    """kvtest's one_client_put in threads: versioned Puts and Gets on a few keys, all logged."""

    def __init__(self, kvt: KVTest, n: int, keys: list[str]) -> None:
        self.kvt = kvt
        self.keys = keys
        self.done = threading.Event()
        self.errors: list[str] = []
        self._threads = [threading.Thread(target=self._client, args=(c,), name=f"demo-client-{c}", daemon=True)
                         for c in range(n)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def _client(self, cli: int) -> None:
        ck = self.kvt.make_clerk()
        try:
            self.kvt.one_client_put(cli, ck, self.keys, self.done)
        except BaseException as e:  # a wrong answer (fatalf) ends this client; the demo reports it
            self.errors.append(f"client {cli}: {type(e).__name__}: {e}")

    def running(self) -> int:
        return sum(t.is_alive() for t in self._threads)

    def stuck(self) -> list[int]:
        return [c for c, t in enumerate(self._threads) if t.is_alive()]


# --- sampling and showing ----------------------------------------------------------------------------


@dataclass
class Status:
    phase: str
    elapsed: float
    remaining: float
    views: list[ServerView]
    sides: list[str]
    fault: str
    events: list[FaultEvent]
    kinds: Counter[str]
    counts: Counter[tuple[str, str]]
    ops: int
    rate_now: float
    rpcs: int

    @property
    def rate(self) -> float:
        return self.ops / self.elapsed if self.elapsed > 0 else 0.0

    def count(self, op: str, err: str | None = None) -> int:
        return sum(v for (o, e), v in self.counts.items() if o == op and (err is None or e == err))


@dataclass
class Sampler:
    """Reads everything the view shows, and keeps the recent op counts for the current rate."""

    cfg: tester1.Config
    kvt: KVTest
    counts: OpCounts
    faults: FaultInjector
    t0: float
    seconds: float
    _recent: deque[tuple[float, int]] = field(default_factory=deque)

    def sample(self, phase: str) -> Status:
        now = time.monotonic()
        ops = len(self.kvt.oplog)
        self._recent.append((now, ops))
        while now - self._recent[0][0] > RATE_WINDOW:
            self._recent.popleft()
        t_old, ops_old = self._recent[0]
        rate_now = (ops - ops_old) / (now - t_old) if now > t_old else 0.0
        fault, sides, events, kinds = self.faults.snapshot()
        elapsed = now - self.t0
        return Status(phase, elapsed, max(0.0, self.seconds - elapsed), server_views(self.cfg.group(GID)),
                      sides, fault, events, kinds, self.counts.snapshot(), ops, rate_now, self.cfg.rpc_total())


def _role(v: ServerView, leader: int | None, i: int) -> str:
    if not v.up:
        return "-"
    if v.is_leader:
        return "[bold green]leader[/]" if i == leader else "[yellow]stale leader[/]"
    return "follower"


def render(st: Status) -> RenderableType:
    """The live view: one row per server, then the totals and the latest faults."""
    leader = current_leader(st.views)
    servers = Table(title=f"kvraft group {GID}: {_plural(len(st.views), 'server')}", title_justify="left")
    for col in ("server", "state", "network", "term", "role", "raft B", "snap B", "RPCs in"):
        servers.add_column(col, justify="left" if col in ("server", "state", "network", "role") else "right",
                           no_wrap=True)
    for i, v in enumerate(st.views):
        state = "[green]up[/]" if v.up else "[red]down[/]"
        net = st.sides[i] or ("connected" if v.connected else "disconnected")
        servers.add_row(str(i), state, net, "-" if v.term is None else str(v.term), _role(v, leader, i),
                        str(v.raft_bytes), str(v.snapshot_bytes), "-" if v.rpcs is None else str(v.rpcs))

    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column()
    totals.add_row("phase", f"{st.phase}   {st.elapsed:5.1f} s elapsed, {st.remaining:4.1f} s left")
    totals.add_row("fault now", st.fault)
    totals.add_row("ops", _ops_text(st))
    totals.add_row("ops/s", f"{st.rate_now:.0f} now, {st.rate:.0f} overall")
    totals.add_row("RPCs", str(st.rpcs))
    totals.add_row("faults", _kinds_text(st.kinds))
    for e in st.events[-6:]:
        totals.add_row(f"{e.at:6.1f} s", e.text)
    return Group(servers, totals)


def _ops_text(st: Status) -> str:
    return (f"{st.ops} (gets {st.count('get')}, puts {st.count('put')}: {st.count('put', rpc.OK)} OK, "
            f"{st.count('put', rpc.ErrVersion)} ErrVersion, {st.count('put', rpc.ErrMaybe)} ErrMaybe)")


def _kinds_text(kinds: Counter[str]) -> str:
    total = sum(kinds.values())
    return f"{total}" + (f" ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})" if total else "")


def status_line(st: Status) -> str:
    leader = current_leader(st.views)
    who = "none" if leader is None else f"{leader} (term {st.views[leader].term})"
    return (f"[{st.elapsed:5.1f}s] {st.phase}: ops {st.ops} ({st.rate_now:.0f}/s; maybe "
            f"{st.count('put', rpc.ErrMaybe)}) leader {who} fault: {st.fault} RPCs {st.rpcs}")


class View:
    """The live table on a terminal; otherwise a status line every few seconds plus each fault."""

    def __init__(self, live: bool) -> None:
        self._live: Live | None = None
        self._printed = 0  # fault events already printed
        self._last_line = -PLAIN_EVERY
        if live:
            self._live = Live(auto_refresh=False, redirect_stdout=False, redirect_stderr=False)
            self._live.start()

    def show(self, st: Status, force: bool = False) -> None:
        if self._live is not None:
            self._live.update(render(st), refresh=True)
            self._printed = len(st.events)  # on screen already
            return
        for e in st.events[self._printed:]:
            print(f"[{e.at:5.1f}s] fault: {e.text}", flush=True)
        self._printed = len(st.events)
        if force or st.elapsed - self._last_line >= PLAIN_EVERY:
            self._last_line = st.elapsed
            print(status_line(st), flush=True)

    def close(self) -> None:
        """Stop the live table; later calls of show print plain lines."""
        if self._live is not None:
            self._live.stop()
            self._live = None


# --- the check and the timeline ------------------------------------------------------------------------


@dataclass
class Verdict:
    result: porcupine.CheckResult
    seconds: float
    nops: int
    html: Path | None


def check_and_write(ops: list[porcupine.Operation], annotations: list[porcupine.Annotation], timeout: float,
                    html: Path) -> Verdict:
    """Check the history as check_porcupine does, and always draw it (with the faults)."""
    start_ns = annotation.timestamp()
    t0 = time.monotonic()
    res, info = porcupine.check_operations_verbose(kv_model, ops, timeout)
    seconds = time.monotonic() - t0
    color = {porcupine.CheckResult.OK: annotation.COLOR_SUCCESS,
             porcupine.CheckResult.ILLEGAL: annotation.COLOR_FAILURE}.get(res, annotation.COLOR_NEUTRAL)
    text = f"linearizability: {res.value} ({len(ops)} ops, {seconds:.1f} s)"
    checked = porcupine.Annotation(tag=annotation.TAG_CHECKER, start=start_ns, end=annotation.timestamp(),
                                   description=text, details=text, background_color=color)
    info.add_annotations([*annotations, checked])
    try:
        html.parent.mkdir(parents=True, exist_ok=True)
        porcupine.visualize(kv_model, info, html)
    except OSError as e:
        print(f"could not write the timeline to {html}: {e}", flush=True)
        return Verdict(res, seconds, len(ops), None)
    return Verdict(res, seconds, len(ops), html.resolve())


# --- the run -------------------------------------------------------------------------------------------


def _wait_until(deadline: float, phase: str, sampler: Sampler, view: View, until: Callable[[], bool]) -> None:
    """Refresh the view every REFRESH seconds until the deadline or ``until()``."""
    while not until() and (left := deadline - time.monotonic()) > 0:
        view.show(sampler.sample(phase))
        time.sleep(min(REFRESH, left))


def _heal(cfg: tester1.Config) -> None:
    """Everything up, connected and reliable, whatever the injector left behind."""
    grp = cfg.group(GID)
    for i, svcs in enumerate(grp.services()):
        if svcs is None:
            grp.start_server(i)
    cfg.set_reliable(True)
    grp.connect_all()
    tester1.annotate_clear_failure()


def _cleanup(cfg: tester1.Config) -> None:
    try:
        cfg.cleanup()
    except tester1.TestFailure:
        pass  # only the tests' 120 s limit, checked last; a demo may run longer


def run(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big") % 1_000_000
    rel = "unreliable" if args.unreliable else "reliable"
    title = (f"make demo: {_plural(args.servers, 'server')}, {_plural(args.clients, 'client')}, {rel} network, "
             f"maxraftstate {args.maxraftstate}, seed {seed}")
    print(f"{title}; {args.seconds:g} s", flush=True)

    counts = OpCounts()
    start = functools.partial(kvserver.start_kv_server, maxraftstate=args.maxraftstate)
    cfg = tester1.make_config(args.servers, not args.unreliable, start)
    tester1.annotate_test(title, args.servers)
    kvt = KVTest(cfg, True, ClerkMaker(cfg, counts))
    t0 = time.monotonic()
    faults = FaultInjector(cfg, random.Random(seed), t0)
    clients = Clients(kvt, args.clients, make_keys(args.keys))
    sampler = Sampler(cfg, kvt, counts, faults, t0, args.seconds)
    view = View(args.live)
    try:
        clients.start()
        faults.start()
        try:
            _wait_until(t0 + args.seconds, "running", sampler, view, lambda: bool(clients.errors))
        except KeyboardInterrupt:
            view.close()
            print("interrupted: healing, then checking the history so far", flush=True)
        clients.done.set()
        faults.stop()
        _heal(cfg)
        _wait_until(time.monotonic() + DRAIN_TIMEOUT, "healed, clients finishing", sampler, view,
                    lambda: clients.running() == 0)
        final = sampler.sample("done")
        view.show(final, force=True)
    finally:
        view.close()
    stuck = clients.stuck()
    annotations = tester1.finalize_annotations("demo ended")
    ops = kvt.oplog.read()
    _cleanup(cfg)  # stop the servers before checking: the checker wants the CPU
    html = Path(args.out) / f"demo-{datetime.now():%Y%m%d-%H%M%S}-seed{seed}.html"
    print(f"checking {len(ops)} operations for linearizability (timeout {args.check_seconds:g} s)...", flush=True)
    verdict = check_and_write(ops, annotations, args.check_seconds, html)
    return report(args, final, verdict, clients, stuck)


def report(args: argparse.Namespace, st: Status, verdict: Verdict, clients: Clients, stuck: list[int]) -> int:
    """Print the figures and the verdict; the exit status is 1 for anything wrong."""
    print(f"ops: {_ops_text(st)}")
    print(f"throughput: {st.ops / st.elapsed:.1f} ops/s over {st.elapsed:.1f} s")
    print(f"faults: {_kinds_text(st.kinds)}")
    print(f"RPCs: {st.rpcs}")
    if args.maxraftstate > 0:
        largest = max(v.raft_bytes for v in st.views)
        note = "" if largest <= 8 * args.maxraftstate else "  (more than the tests allow!)"
        print(f"largest Raft state: {largest} B (the tests allow 8 * maxraftstate = "
              f"{8 * args.maxraftstate} B){note}")
    bad = False
    for e in clients.errors:
        print(f"client error: {e}")
        bad = True
    if stuck:
        print(f"clients {_go_list(stuck)} did not finish their last call within {DRAIN_TIMEOUT:g} s of healing"
              " (their pending calls are not in the history)")
        bad = True
    res = verdict.result
    print(f"checker time: {verdict.seconds:.2f} s for {verdict.nops} ops")
    if res == porcupine.CheckResult.OK:
        print("verdict: linearizable (Ok)")
    elif res == porcupine.CheckResult.UNKNOWN:
        print(f"verdict: Unknown - the checker gave up after {args.check_seconds:g} s; this proves nothing "
              "either way (try a larger --check-seconds)")
    else:
        print("verdict: NOT linearizable (Illegal): open the timeline to see where")
        bad = True
    if verdict.html is not None:
        print(f"timeline: {verdict.html}")
    return 1 if bad else 0


# --- options ------------------------------------------------------------------------------------------


def _int_at_least(lo: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo}, not {value}")
        return value
    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def _maxraftstate(text: str) -> int:
    value = _int_at_least(-1)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be -1 (no snapshots) or a positive number of bytes, not 0")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m labtools.demo", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--servers", metavar="N", type=_int_at_least(1), default=5, help="kvraft servers (default 5)")
    add("--clients", metavar="N", type=_int_at_least(1), default=5, help="concurrent clients (default 5)")
    add("--keys", metavar="N", type=_int_at_least(1), default=5, help="keys the clients share (default 5)")
    add("--seconds", metavar="S", type=_positive_float, default=30.0, help="how long the clients run (default 30)")
    add("--unreliable", action="store_true", help="drop and delay RPCs, as the unreliable tests do")
    add("--seed", metavar="N", type=int, default=None, help="seed of the fault schedule (default: random)")
    add("--maxraftstate", metavar="BYTES", type=_maxraftstate, default=1000,
        help="snapshot when Raft's state passes this many bytes; -1: never (default 1000)")
    add("--check-seconds", metavar="S", type=_positive_float, default=30.0,
        help="linearizability checker timeout (default 30)")
    add("--out", metavar="DIR", default="out", help="folder for the HTML timeline (default out/)")
    add("--no-live", dest="live", action="store_false",
        help="plain status lines instead of the live table (also when not on a terminal)")
    args = parser.parse_args(argv)
    args.live = args.live and sys.stdout.isatty()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C ends the run early, then checks
    pin_to_one_cpu()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
