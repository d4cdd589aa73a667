"""Run tests many times in parallel processes and count the failures.

    python -m labtools.stress -k 3A -n 100 -p 2          # or: make stress PART=3A N=100 P=2
    python -m labtools.stress -k "3C and figure8" -n 20 --disk

Each run is one pytest process (pinned to a CPU of its own by the test session),
so runs do not share threads or timing. A live progress bar shows runs done and
failed; at the end a table gives passes, failures and mean time per test. The full
output of every failed run is kept in the output folder. Exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import labsim
from labtools import junit


@dataclass
class TestStats:
    passed: int = 0
    failed: int = 0
    seconds: list[float] = field(default_factory=list)


@dataclass
class RunResult:
    index: int
    returncode: int
    output: str
    cases: list[tuple[str, bool, float]]  # (test name, passed, seconds)
    wall: float = 0.0  # seconds, the whole run
    cpu: float = 0.0  # user + system seconds of the run's process
    seed: int | None = None  # the simulation's seed (LABS_SIM=1)


def _parse_junit(path: Path) -> list[tuple[str, bool, float]]:
    return [(c.name, c.passed, c.seconds) for c in junit.read(path)]


def run_once(index: int, pytest_args: list[str], disk: bool, workdir: Path,
             seed: int | None = None) -> RunResult:
    junit = workdir / f"run-{index}.xml"
    env = dict(os.environ)
    if seed is not None:
        env["LABS_SIM_SEED"] = str(seed)
        env.setdefault("PYTHONHASHSEED", "0")
    if disk:
        env["PERSISTER_DISK"] = "1"
        env["PERSISTER_DIR"] = str(workdir / f"raft-data-{index}")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", *pytest_args]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # wait4, for this child's own CPU time
    proc.returncode = os.waitstatus_to_exitcode(status)
    return RunResult(index, proc.returncode, output, _parse_junit(junit),
                     time.monotonic() - t0, usage.ru_utime + usage.ru_stime, seed)


def simulated() -> bool:
    return os.environ.get("LABS_SIM", "") not in ("", "0")


def draw_seeds(runs: int, first: int | None) -> list[int]:
    """One seed per run: first, first+1, ...; a random first one unless given."""
    if first is None:
        first = random.SystemRandom().randrange(1, 1_000_000_000)
    return [first + i for i in range(runs)]


def stress(pytest_args: list[str], runs: int, parallel: int, disk: bool, out: Path,
           console: Console, seeds: list[int] | None = None) -> int:
    """Run; returns the number of failed runs. With ``seeds`` (simulation), run i takes seeds[i-1]."""
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("failed-run-*.log"), out / "failed-seeds.txt"]:
        old.unlink(missing_ok=True)  # a folder holds one stress run's failures
    stats: dict[str, TestStats] = defaultdict(TestStats)
    failed_runs: list[int] = []
    failed_seeds: list[int] = []
    run_times: list[tuple[float, float]] = []  # (wall, cpu) per run
    lock = threading.Lock()
    next_run = iter(range(1, runs + 1))
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stress-") as tmp, Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("[red]{task.fields[failed]} failed"), TimeElapsedColumn(), console=console,
    ) as progress:
        task = progress.add_task(" ".join(pytest_args) or "all tests", total=runs, failed=0)

        def worker() -> None:
            while True:
                with lock:
                    index = next(next_run, None)
                if index is None:
                    return
                seed = seeds[index - 1] if seeds else None
                result = run_once(index, pytest_args, disk, Path(tmp), seed)
                bad = result.returncode != 0
                with lock:
                    run_times.append((result.wall, result.cpu))
                    for name, ok, secs in result.cases:
                        s = stats[name]
                        s.seconds.append(secs)
                        if ok:
                            s.passed += 1
                        else:
                            s.failed += 1
                    if bad:
                        failed_runs.append(index)
                        (out / f"failed-run-{index}.log").write_text(result.output)
                        if seed is not None:
                            failed_seeds.append(seed)
                    progress.update(task, advance=1, failed=len(failed_runs))

        threads = [threading.Thread(target=worker) for _ in range(max(1, parallel))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    table = Table(title=f"{runs} runs, {parallel} at a time, {time.monotonic() - t0:.0f} s")
    table.add_column("test")
    table.add_column("passed", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("mean s", justify="right")
    for name in sorted(stats):
        s = stats[name]
        mean = sum(s.seconds) / len(s.seconds) if s.seconds else 0.0
        table.add_row(name, str(s.passed), f"[red]{s.failed}" if s.failed else "0", f"{mean:.1f}")
    console.print(table)
    if run_times:
        wall = sum(w for w, _ in run_times) / len(run_times)
        cpu = sum(c for _, c in run_times) / len(run_times)
        console.print(f"per run: {wall:.1f} s wall, {cpu:.1f} s CPU (user+sys), mean of {len(run_times)}")
    if seeds:
        consecutive = seeds == list(range(seeds[0], seeds[0] + len(seeds)))
        named = f"{seeds[0]}..{seeds[-1]}" if consecutive else ",".join(map(str, seeds))
        elapsed = time.monotonic() - t0
        console.print(f"simulation seeds {named}: {len(seeds) / elapsed * 3600:,.0f} seeds/hour at {parallel} at a time")
    if failed_runs:
        console.print(f"[red]{len(failed_runs)} of {runs} runs failed; their output is in {out}/failed-run-*.log")
        if failed_seeds:
            listed = ",".join(map(str, sorted(failed_seeds)))
            (out / "failed-seeds.txt").write_text(listed + "\n")
            console.print(f"[red]failed seeds: {listed} (in {out}/failed-seeds.txt); replay them with "
                          f"{_replay_command(pytest_args, listed)}")
    else:
        console.print(f"[green]all {runs} runs passed")
    return len(failed_runs)


def _replay_command(pytest_args: list[str], seeds: str) -> str:
    """The command that runs these seeds again, with the schedule's settings: make's when the
    run was a part, else the module's."""
    settings = "".join(f"{setting} " for setting in labsim.settings_env())
    if len(pytest_args) == 2 and pytest_args[0] == "-k":
        return f'{settings}make stress SIM=1 PART="{pytest_args[1]}" SEEDS={seeds}'
    return f"LABS_SIM=1 {settings}.venv/bin/python -m labtools.stress --seeds {seeds} -- {shlex.join(pytest_args)}"


def _seed_list(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be integers separated by commas, not {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError("no seed given")
    return seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run tests N times, P at a time, and count failures.")
    parser.add_argument("-k", dest="select", default=None, help="pytest -k expression, e.g. 3A")
    parser.add_argument("-n", "--runs", type=int, default=10, help="how many runs (default 10)")
    parser.add_argument("-p", "--parallel", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--disk", action="store_true", help="use the disk persister (PERSISTER_DISK=1)")
    parser.add_argument("--out", type=Path, default=Path("out/stress"), help="where failed runs' output goes")
    parser.add_argument("--seed", type=int, default=None,
                        help="with LABS_SIM=1: the first run's seed (the next runs take the next ones)")
    parser.add_argument("--seeds", type=_seed_list, default=None,
                        help="with LABS_SIM=1: run exactly these seeds, e.g. 17,42 (replays failed runs)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (files, -x, ...)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.parallel < 1:
        parser.error("--runs and --parallel must be at least 1")
    if (args.seed is not None or args.seeds) and not simulated():
        parser.error("--seed and --seeds need the simulation: set LABS_SIM=1 (make stress SIM=1)")
    seeds = None
    if simulated():
        seeds = args.seeds or draw_seeds(args.runs, args.seed)
        args.runs = len(seeds)
    pytest_args = (["-k", args.select] if args.select else []) + args.pytest_args
    failures = stress(pytest_args, args.runs, args.parallel, args.disk, args.out, Console(), seeds)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
