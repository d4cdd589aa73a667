"""What the race detector costs: wall and CPU seconds per part, plain beside LABS_RACE=1.

    .venv/bin/python bench/race_bench.py [--parts 3A,3B,4|all] [--runs N] [--quick]

For each part of the Go suite, one plain pytest run and one under LABS_RACE=1 run side by
side (each test process pins itself to a CPU of its own, so on two cores they do not share
one). CPU is the child's user+system time from wait4. A race run that reports anything is
marked: the reference is meant to run clean. Go's -race costs 2-20x in time. Asserts
nothing; prints figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import IO

import benchlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rc: int
    reports: int


def start(selection: list[str], race: bool) -> tuple[subprocess.Popen[bytes], IO[bytes], float]:
    env = dict(os.environ)
    env.pop("LABS_RACE", None)
    if race:
        env["LABS_RACE"] = "1"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection]
    log = tempfile.TemporaryFile()  # a file, not a pipe: an unread pipe would stall the other run
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log, time.perf_counter()


def finish(proc: subprocess.Popen[bytes], log: IO[bytes], began: float) -> Run:
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.seek(0)
    out = log.read().decode(errors="replace")
    log.close()
    reports = sum(1 for line in out.splitlines() if line.startswith("WARNING: "))
    return Run(time.perf_counter() - began, usage.ru_utime + usage.ru_stime, proc.returncode, reports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benchlib.add_part_arguments(parser, default="all")
    parser.add_argument("--runs", type=int, default=1, help="pairs of runs per part")
    args = parser.parse_args()
    parts = benchlib.chosen_parts(parser, args)

    rows = []
    for part, selection in parts.items():
        for _ in range(args.runs):
            plain, race = start(selection, False), start(selection, True)
            p, r = finish(*plain), finish(*race)
            rows.append([
                part, f"{p.wall:.1f}", f"{p.cpu:.1f}", f"{r.wall:.1f}", f"{r.cpu:.1f}",
                f"{r.wall / p.wall:.2f}x", f"{r.cpu / max(p.cpu, 1e-9):.2f}x",
                "ok" if p.rc == 0 else f"FAIL rc={p.rc}",
                "ok" if r.rc == 0 and r.reports == 0 else f"rc={r.rc}, {r.reports} report(s)",
            ])
            print(f"{part}: plain {p.wall:.1f} s wall / {p.cpu:.1f} s CPU, "
                  f"race {r.wall:.1f} s / {r.cpu:.1f} s, reports {r.reports}", file=sys.stderr)
    benchlib.print_table(
        "LABS_RACE=1 against a plain run, per part (seconds)",
        ["part", "plain wall", "plain CPU", "race wall", "race CPU", "wall ratio", "CPU ratio",
         "plain", "race"],
        rows)


if __name__ == "__main__":
    main()
