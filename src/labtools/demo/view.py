"""The demo's live view: a Sampler reads the servers, the fault injector and the op counts into
a Status a few times a second, and a View shows it, as a rich table on a terminal or as plain
status lines (plus each fault as it happens) otherwise. The text helpers here also word the
final report's figures.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field

import tester1
from kvsrv1 import rpc
from kvtest1 import Test as KVTest
from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table

from labtools.demo.faults import FaultEvent, FaultInjector
from labtools.demo.servers import GID, ServerView, current_leader, server_views
from labtools.demo.workload import OpCounts

PLAIN_EVERY = 2.0  # seconds between status lines without the live view
RATE_WINDOW = 2.0  # seconds over which the "now" ops/s is measured


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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
    servers = Table(title=f"kvraft group {GID}: {plural(len(st.views), 'server')}", title_justify="left")
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
    totals.add_row("ops", ops_text(st))
    totals.add_row("ops/s", f"{st.rate_now:.0f} now, {st.rate:.0f} overall")
    totals.add_row("RPCs", str(st.rpcs))
    totals.add_row("faults", kinds_text(st.kinds))
    for e in st.events[-6:]:
        totals.add_row(f"{e.at:6.1f} s", e.text)
    return Group(servers, totals)


def ops_text(st: Status) -> str:
    return (f"{st.ops} (gets {st.count('get')}, puts {st.count('put')}: {st.count('put', rpc.OK)} OK, "
            f"{st.count('put', rpc.ErrVersion)} ErrVersion, {st.count('put', rpc.ErrMaybe)} ErrMaybe)")


def kinds_text(kinds: Counter[str]) -> str:
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
