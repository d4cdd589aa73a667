"""Benchmark of the porcupine checker on the shared corpus.

    .venv/bin/python bench/porcupine_bench.py [--repeat N] [--quiet] [--slow-timeout S] [--threads] [--quick]

Prints the checker time (best of N runs, parsing excluded) for each etcd log and their
total, then the kv logs split per key and whole. The whole c50 logs are run once with a
timeout (--slow-timeout, default 120 s; 0 skips them). --threads also times checking the
partitions in a thread pool instead of the checker's round robin, for comparison.
Targets: the 102 etcd logs within 5x of Go's 0.64 s (3.2 s); c10 whole under 10 s.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from porcupine import CheckResult, check_events, check_events_verbose  # noqa: E402
from porcupine.checker import convert_events  # noqa: E402
from porcupine.corpus import KV_HISTORIES, corpus_file, etcd_verdicts  # noqa: E402
from porcupine.formats import FORMATS  # noqa: E402
from porcupine.search import search  # noqa: E402

GO_ETCD_TOTAL = 0.64
VERBOSE_TIMEOUT = 5.0


def _timed(fn, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _threaded(model, events) -> bool:
    """Each partition's search in its own thread (what Go does with goroutines), all stopping
    at the first illegal one."""
    stop = threading.Event()

    def run(entries) -> bool:
        gen = search(model, entries, None)
        try:
            while not stop.is_set():
                next(gen)
        except StopIteration as done:
            if not done.value:
                stop.set()
            return done.value
        gen.close()
        return True

    parts = [convert_events(p) for p in model.split_events(events)]
    with ThreadPoolExecutor(max_workers=max(1, len(parts))) as pool:
        return all(list(pool.map(run, parts)))


def bench_etcd(repeat: int, quiet: bool) -> None:
    fmt = FORMATS["jepsen-etcd"]
    expected = dict(etcd_verdicts())
    total = total_verbose = 0.0
    wrong = []
    for name in sorted(expected):
        events = fmt.parse(corpus_file("jepsen", name))
        model = fmt.model(events)
        t, result = _timed(lambda: check_events(model, events), repeat)
        tv, _ = _timed(lambda: check_events_verbose(model, events), repeat)
        total += t
        total_verbose += tv
        want = CheckResult.OK if expected[name] else CheckResult.ILLEGAL
        if result is not want:
            wrong.append(name)
        if not quiet:
            print(f"  {name}  {len(events) // 2:4d} ops  {result.value:8s}  {t:7.3f} s  (verbose {tv:7.3f} s)")
    target = 5 * GO_ETCD_TOTAL
    print(f"etcd: {len(expected)} logs in {total:.3f} s (verbose {total_verbose:.3f} s); target {target:.2f} s "
          f"({'met' if total <= target else 'MISSED'}); wrong verdicts: {wrong or 'none'}")


def bench_kv(repeat: int, slow_timeout: float, threads: bool, quick: bool = False) -> None:
    fmt = FORMATS["jepsen-kv"]
    for name in KV_HISTORIES:
        if quick and name.startswith("c50"):
            continue
        events = fmt.parse(corpus_file("kv", f"{name}.txt"))
        want = CheckResult.OK if name.endswith("-ok") else CheckResult.ILLEGAL
        model = fmt.model(events)
        t, result = _timed(lambda: check_events(model, events), repeat)
        # verbose goes on through every partition after an illegal one (as Go's does), and some
        # illegal c50 partitions take minutes: bound it like the labs do
        tv, (rv, _) = _timed(lambda: check_events_verbose(model, events, VERBOSE_TIMEOUT), 1)
        note = f" (verbose {tv:7.3f} s" + (", stopped at the timeout)" if tv >= VERBOSE_TIMEOUT else ")")
        line = f"  {name:8s} {len(events) // 2:5d} ops  split:  {result.value:8s} {t:7.3f} s{note}"
        if threads:
            tt, ok = _timed(lambda: _threaded(model, events), 1)
            line += f" (threads {tt:.3f} s)"
            assert ok == (want is CheckResult.OK)
        assert result is want, (name, result)
        whole = fmt.unpartitioned_model(events)
        if quick and not name.startswith("c01"):
            line += "   whole: skipped"
        elif name.startswith("c50"):
            if slow_timeout <= 0:
                line += "   whole: skipped"
            else:
                tw, rw = _timed(lambda: check_events(whole, events, slow_timeout), 1)
                line += f"   whole: {rw.value:8s} {tw:7.3f} s" + (" (timeout)" if rw is CheckResult.UNKNOWN else "")
        else:
            tw, rw = _timed(lambda: check_events(whole, events), 1 if name.startswith("c10") else repeat)
            assert rw is want, (name, rw)
            line += f"   whole: {rw.value:8s} {tw:7.3f} s"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the best is reported")
    parser.add_argument("--quiet", action="store_true", help="no per-file etcd lines")
    parser.add_argument("--slow-timeout", type=float, default=120.0, help="timeout of the whole c50 checks (0: skip)")
    parser.add_argument("--threads", action="store_true", help="also time partitions checked in threads")
    parser.add_argument("--quick", action="store_true",
                        help="one run per file, --quiet, no c50 and no whole c10 (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.quiet, args.slow_timeout = 1, True, 0.0
    print(f"python {sys.version.split()[0]}, best of {args.repeat}")
    bench_etcd(args.repeat, args.quiet)
    print("kv:")
    bench_kv(args.repeat, args.slow_timeout, args.threads, args.quick)


if __name__ == "__main__":
    main()
