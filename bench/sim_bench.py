"""What simulation mode buys: per part, real seconds per simulated run, the virtual seconds it
covers and their ratio, CPU beside a real-time run, and the determinism check.

    .venv/bin/python bench/sim_bench.py [--parts 3A,3B,4|all] [--seed N] [--real] [--quick]

Each part runs twice in simulation with the same seed (one pytest process each, in turn, on
a CPU of its own) and the two runs' per-test digests are compared: they must be equal. With
--real, a real-time run of the part goes beside them, for its wall and CPU. The virtual
seconds are the sum of the tests' own (LABS_SIM_REPORT). Asserts nothing; prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import benchlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rc: int
    virtual: float  # seconds, summed over the part's tests (simulation only)
    digests: dict[str, str]


def run(args: list[str], seed: int | None) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABS_SIM") and k != "LABS_RACE"}
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.jsonl")
        if seed is not None:
            env.update(LABS_SIM="1", LABS_SIM_SEED=str(seed), PYTHONHASHSEED="0", LABS_SIM_REPORT=report)
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        began = time.perf_counter()
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        records = []
        if seed is not None and os.path.exists(report):
            with open(report) as f:
                records = [json.loads(line) for line in f]
    return Run(wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status),
               sum(r["virtual_seconds"] for r in records), {r["nodeid"]: r["digest"] for r in records})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benchlib.add_part_arguments(parser, default="3,4")
    parser.add_argument("--seed", type=int, default=1, help="the simulation's seed (default 1)")
    parser.add_argument("--real", action="store_true", help="also run each part in real time")
    args = parser.parse_args()
    parts = benchlib.chosen_parts(parser, args)

    rows = []
    total_wall = total_virtual = 0.0
    for part, selection in parts.items():
        first, second = run(selection, args.seed), run(selection, args.seed)
        same = first.digests == second.digests and bool(first.digests)
        real = run(selection, None) if args.real else None
        total_wall += first.wall
        total_virtual += first.virtual
        rows.append([
            part, f"{first.wall:.1f}", f"{first.virtual:.1f}", f"{first.virtual / first.wall:.1f}",
            f"{first.cpu:.1f}",
            f"{real.wall:.1f}" if real else "-", f"{real.cpu:.1f}" if real else "-",
            f"{len(first.digests)} x2 " + ("equal" if same else "DIFFER"),
            "ok" if first.rc == second.rc == 0 and (real is None or real.rc == 0) else
            f"rc {first.rc}/{second.rc}" + (f"/{real.rc}" if real else ""),
        ])
        print(f"{part}: sim {first.wall:.1f} s for {first.virtual:.1f} virtual s, digests "
              f"{'equal' if same else 'DIFFER'}", file=sys.stderr)
    benchlib.print_table(
        f"simulation (seed {args.seed}) per part; real-time runs beside it with --real (seconds)",
        ["part", "sim wall", "virtual", "virtual/real", "sim CPU", "real wall", "real CPU",
         "digests", "verdict"],
        rows)
    print(f"all parts: {total_wall:.1f} s of wall for {total_virtual:.1f} virtual s "
          f"({total_virtual / max(total_wall, 1e-9):.1f}x)")


if __name__ == "__main__":
    main()
