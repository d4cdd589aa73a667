"""The Raft test harness (Go: raft1/test.go and the constants of raft_test.go).

A ``Test`` wraps a ``tester1.Config`` (Go embeds ``*tester.Config``; here the
config's attributes are forwarded) with one ``RfSrv`` per peer, and provides
the checkers the Raft tests are written with.
"""

from __future__ import annotations

import decimal
import math
import random
import threading
import time
from types import TracebackType
from typing import Any

import labfatal
import raftapi
import tester1
from tester1.embed import Embeds
from labrpc import ClientEnd
from raft1.server import RfSrv

# The tester generously allows solutions to complete elections in one second
# (much more than the paper's range of timeouts).
RAFT_ELECTION_TIMEOUT = 1.0  # seconds

# Maximum persisted Raft state, in bytes, in the 3D tests.
MAXLOGSIZE = 2000


def go_v(x: Any) -> str:
    """Format ``x`` as Go's %v does for the values the tests print."""
    if x is None:
        return "<nil>"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (list, tuple)):
        return "[" + " ".join(go_v(e) for e in x) + "]"
    if isinstance(x, dict):
        return "map[" + " ".join(f"{go_v(k)}:{go_v(v)}" for k, v in sorted(x.items())) + "]"
    if isinstance(x, float):
        return _go_float(x)
    return str(x)


def _go_float(x: float) -> str:
    """A float as Go's %v prints it: the shortest digits, in %e form when the exponent is
    below -4 or at least 6 (100.0 is "100", 1e6 is "1e+06", 1e-05 is "1e-05")."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    sign, digits, exponent = decimal.Decimal(repr(x)).as_tuple()
    while len(digits) > 1 and digits[-1] == 0:  # repr's "100.0" has a trailing zero
        digits, exponent = digits[:-1], exponent + 1
    text = "".join(map(str, digits))
    e = len(digits) + exponent - 1  # the decimal exponent of the first digit
    minus = "-" if sign else ""
    if x == 0:
        return minus + "0"
    if e < -4 or e >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{minus}{mantissa}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if exponent >= 0:
        return minus + text + "0" * exponent
    point = len(text) + exponent
    if point > 0:
        return minus + text[:point] + "." + text[point:]
    return minus + "0." + "0" * -point + text


def same_command(a: Any, b: Any) -> bool:
    """Whether two commands are equal as Go compares interface values: by type and value.

    Python's ``==`` makes ``True``, ``1`` and ``1.0`` one value; Go's ``interface{}``
    comparison does not, so a Raft that changes a command's type fails here as in Go.
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_command(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_command(a[k], b[k]) for k in a)
    return a == b


class Test(Embeds):
    """The state of one Raft test: its config, its servers and the highest index committed."""

    __test__ = False  # not a pytest test class

    def __init__(self, n: int, snapshot: bool) -> None:
        self.config: tester1.Config | None = None
        self.n = n
        self.g: tester1.ServerGrp | None = None
        self._finished = threading.Event()
        self.mu = threading.Lock()
        self.srvs: list[RfSrv | None] = [None] * n
        self.max_index = 0
        self.snapshot = snapshot


    def __enter__(self) -> Test:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc_type is not None:
            self.config.mark_failed()
        self.cleanup()  # Go: defer ts.cleanup()
        return False

    def fail(self, msg: str) -> None:
        """Fail the test with ``msg`` (Go: t.Fatal); safe to call from any thread."""
        if self.config is not None:
            self.config.mark_failed()
        labfatal.fatalf("%s", msg)

    def cleanup(self) -> None:
        """Stop one() loops, print the Passed line and shut everything down."""
        self._finished.set()
        try:
            self.config.end()
        finally:
            self.config.cleanup()
        self.config.check_timeout()

    def mksrv(
        self,
        ends: list[ClientEnd],
        grp: tester1.Tgid,
        srv: int,
        persister: tester1.Persister,
    ) -> list[Any]:
        """Start server ``srv``: the RfSrv and its Raft are the services labrpc serves."""
        s = RfSrv(self, srv, ends, persister, self.snapshot)
        with self.mu:
            self.srvs[srv] = s
        return [s.raft, s]  # the Raft is killed first: see RfSrv.kill

    def restart(self, i: int) -> None:
        """Start server ``i`` afresh from its persisted state, then reconnect every server."""
        self.g.start_server(i)  # which calls mksrv to make a new server
        self.config.group(tester1.GRP0).connect_all()

    def check_one_leader(self) -> int:
        """Wait up to about 5 s for exactly one leader among the connected servers; returns it."""
        tester1.annotate_checker_begin("checking for a single leader")
        for _ in range(10):
            ms = 450 + random.randrange(100)
            time.sleep(ms / 1000)

            leaders: dict[int, list[int]] = {}
            for i in range(self.n):
                if self.g.is_connected(i):
                    term, leader = self.srvs[i].get_state()
                    if leader:
                        leaders.setdefault(term, []).append(i)

            last_term_with_leader = -1
            for term, ids in leaders.items():
                if len(ids) > 1:
                    details = f"multiple leaders in term {term} = {go_v(ids)}"
                    tester1.annotate_checker_failure("multiple leaders", details)
                    self.config.fatalf("term %d has %d (>1) leaders", term, len(ids))
                if term > last_term_with_leader:
                    last_term_with_leader = term

            if leaders:
                leader = leaders[last_term_with_leader][0]
                details = f"leader in term {last_term_with_leader} = {leader}"
                tester1.annotate_checker_success(details, details)
                return leader
        tester1.annotate_checker_failure("no leader", "unable to find a leader")
        self.config.fatalf("expected one leader, got none")
        return -1

    def check_terms(self) -> int:
        """All connected servers must be in the same term; returns it (-1 if none is connected)."""
        tester1.annotate_checker_begin("checking term agreement")
        term = -1
        for i in range(self.n):
            if self.g.is_connected(i):
                xterm, _ = self.srvs[i].get_state()
                if term == -1:
                    term = xterm
                elif term != xterm:
                    details = f"node ids -> terms = {{ {i - 1} -> {term}; {i} -> {xterm} }}"
                    tester1.annotate_checker_failure("term disagreed", details)
                    self.config.fatalf("servers disagree on term")
        tester1.annotate_checker_success("term agreed", f"term = {term}")
        return term

    def check_logs(self, i: int, m: raftapi.ApplyMsg, me: RfSrv) -> tuple[str, bool]:
        """Record an entry that server ``i``'s applier ``me`` received; returns (error or "",
        whether index-1 was applied).

        The entry goes into the log of the server whose applier read it, not into
        ``srvs[i]``: after a crash and restart ``srvs[i]`` is the new server, and an entry
        the old applier had in hand would land in the new, empty log and look out of order.
        Go's checkLogs looks up ``srvs[i]`` and has that race; simulation found it failing
        the reference Raft in Figure 8 (3C) on 8 seeds in 50.
        """
        with self.mu:
            err_msg = ""
            v = m.command
            for j, rs in enumerate(self.srvs):
                if rs is None:
                    continue
                old, old_ok = rs.log_at(m.command_index)
                if old_ok and not same_command(old, v):
                    # some server has already committed a different value for this entry!
                    err_msg = (
                        f"commit index={m.command_index} server={i} {go_v(m.command)} "
                        f"!= server={j} {go_v(old)}"
                    )
            with me.mu:
                prev_ok = (m.command_index - 1) in me.logs
                me.logs[m.command_index] = v
            if m.command_index > self.max_index:
                self.max_index = m.command_index
            return err_msg, prev_ok

    def check_no_leader(self) -> None:
        """No connected server may think it is the leader."""
        tester1.annotate_checker_begin("checking no unexpected leader among connected servers")
        for i in range(self.n):
            if self.g.is_connected(i):
                _, is_leader = self.srvs[i].get_state()
                if is_leader:
                    details = f"leader = {i}"
                    tester1.annotate_checker_failure("unexpected leader found", details)
                    self.config.fatalf("%s", details)
        tester1.annotate_checker_success("no unexpected leader", "no unexpected leader")

    def check_no_agreement(self, index: int) -> None:
        """No server may have committed ``index``."""
        tester1.annotate_checker_begin(f"checking no unexpected agreement at index {index}")
        n, _ = self.n_committed(index)
        if n > 0:
            desp = f"unexpected agreement at index {index}"
            details = f"{n} server(s) commit incorrectly index"
            tester1.annotate_checker_failure(desp, details)
            self.config.fatalf("%d committed but no majority", n)
        tester1.annotate_checker_success(f"no unexpected agreement at index {index}", "OK")

    def n_committed(self, index: int) -> tuple[int, Any]:
        """How many servers think ``index`` is committed, and the command there."""
        with self.mu:
            count = 0
            cmd = None
            for rs in self.srvs:
                if rs is None:
                    continue
                if rs.apply_err:
                    tester1.annotate_checker_failure("apply error", rs.apply_err)
                    self.fail(rs.apply_err)

                cmd1, ok = rs.log_at(index)
                if ok:
                    if count > 0 and not same_command(cmd, cmd1):
                        text = (
                            f"committed values at index {index} do not match "
                            f"({go_v(cmd)} != {go_v(cmd1)})"
                        )
                        tester1.annotate_checker_failure("unmatched committed values", text)
                        self.config.fatalf("%s", text)
                    count += 1
                    cmd = cmd1
            return count, cmd

    def one(self, cmd: Any, expected_servers: int, retry: bool) -> int:
        """Do a complete agreement on ``cmd``; returns its index.

        It might choose the wrong leader at first and have to re-submit after
        giving up; it gives up entirely after about 10 s. It indirectly checks
        that the servers agree on the same value, since n_committed checks
        this, as do the appliers. With ``retry`` the command may be submitted
        several times, in case a leader fails just after start(); without it
        start() is called only once, to keep the early 3B tests simple.
        """
        text_retry = "with" if retry else "without"
        text_cmd = go_v(cmd)
        tester1.annotate_checker_begin(
            f"checking agreement of {text_cmd[:8]} by at least {expected_servers} servers "
            f"{text_retry} retry"
        )
        t0 = time.monotonic()
        starts = 0
        while time.monotonic() - t0 < 10 and not self.check_finished():
            # try all the servers, maybe one is the leader.
            index = -1
            for _ in range(len(self.srvs)):
                starts = (starts + 1) % len(self.srvs)
                rf = None
                if self.g.is_connected(starts):
                    srv = self.srvs[starts]
                    with srv.mu:
                        rf = srv.raft
                if rf is not None:
                    index1, _, ok = rf.start(cmd)
                    if ok:
                        index = index1
                        break

            if index != -1:
                # somebody claimed to be the leader and to have submitted
                # our command; wait a while for agreement.
                t1 = time.monotonic()
                while time.monotonic() - t1 < 2:
                    nd, cmd1 = self.n_committed(index)
                    if nd > 0 and nd >= expected_servers:
                        # committed
                        if same_command(cmd1, cmd):
                            # and it was the command we submitted.
                            tester1.annotate_checker_success(
                                f"agreement of {text_cmd[:8]} reached", "OK"
                            )
                            return index
                    time.sleep(0.020)
                if not retry:
                    tester1.annotate_checker_failure(
                        f"agreement of {text_cmd[:8]} failed", "failed after submitting command"
                    )
                    self.config.fatalf("one(%s) failed to reach agreement", text_cmd)
            else:
                time.sleep(0.050)
        if not self.check_finished():
            tester1.annotate_checker_failure(
                f"agreement of {text_cmd[:8]} failed", "failed after 10-second timeout"
            )
            self.config.fatalf("one(%s) failed to reach agreement", text_cmd)
        return -1

    def check_finished(self) -> bool:
        """Whether cleanup has begun (one() then stops trying)."""
        return self._finished.is_set()

    def wait(self, index: int, n: int, start_term: int) -> Any:
        """Wait for at least ``n`` servers to commit ``index``, but not forever; returns the command.

        Returns -1 if ``start_term > -1`` and some server has moved past it.
        """
        to_ms = 10
        for _ in range(30):
            nd, _ = self.n_committed(index)
            if nd >= n:
                break
            time.sleep(to_ms / 1000)
            if to_ms < 1000:
                to_ms *= 2
            if start_term > -1:
                for rs in self.srvs:
                    t, _ = rs.raft.get_state()
                    if t > start_term:
                        # someone has moved on; can no longer guarantee that we'll "win"
                        return -1
        nd, cmd = self.n_committed(index)
        if nd < n:
            desp = f"less than {n} servers commit index {index}"
            details = f"only {nd} (< {n}) servers commit index {index} at term {start_term}"
            tester1.annotate_checker_failure(desp, details)
            self.config.fatalf("only %d decided for index %d; wanted %d", nd, index, n)
        return cmd


def make_test(n: int, reliable: bool, snapshot: bool) -> Test:
    """Start ``n`` connected Raft servers on a network with long delays (Go: makeTest)."""
    ts = Test(n, snapshot)
    ts.config = tester1.make_config(n, reliable, ts.mksrv)
    ts.config.set_long_delays(True)
    ts.g = ts.config.group(tester1.GRP0)
    return ts
