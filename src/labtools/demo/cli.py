"""The demo's run and command line: parse the options, start the servers, the clients and the
fault injector, watch them for the given time, heal everything and let the clients finish, then
check the history, write the timeline and report the figures and the verdict as the exit status.
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
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

import porcupine
import tester1
from kvraft1 import server as kvserver
from kvtest1 import Test as KVTest
from kvtest1 import make_keys
from labrpc.affinity import pin_to_one_cpu

from labtools.demo.check import Verdict, check_and_write
from labtools.demo.faults import FaultInjector, go_list
from labtools.demo.servers import GID
from labtools.demo.view import Sampler, Status, View, kinds_text, ops_text, plural
from labtools.demo.workload import ClerkMaker, Clients, OpCounts

REFRESH = 0.25  # seconds between samples (the live view's refresh; 4 per second)
DRAIN_TIMEOUT = 30.0  # seconds the clients get to finish their last call once all is healed


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
    title = (f"make demo: {plural(args.servers, 'server')}, {plural(args.clients, 'client')}, {rel} network, "
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
    print(f"ops: {ops_text(st)}")
    print(f"throughput: {st.ops / st.elapsed:.1f} ops/s over {st.elapsed:.1f} s")
    print(f"faults: {kinds_text(st.kinds)}")
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
        print(f"clients {go_list(stuck)} did not finish their last call within {DRAIN_TIMEOUT:g} s of healing"
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
    from labtools import demo  # the package (imported by now): its docstring's first line describes the tool

    parser = argparse.ArgumentParser(prog="python -m labtools.demo", description=demo.__doc__.splitlines()[0])
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
