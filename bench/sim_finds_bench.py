"""Does simulation find bugs that real time misses? Seeded bugs, each run N times both ways.

    .venv/bin/python bench/sim_finds_bench.py [--runs N] [--bug NAME] [--schedule random|pct]
        [--preempt P] [--slack SECONDS] [--quick]

Each seeded bug is the reference Raft with one narrow window (a lock let go between a check
and the act it guards), plugged into one of Go's tests. The same test runs N times in real
time (N processes, two at a time) and under N seeds in simulation. Two counts per way: the
runs whose schedule *reached* the window (the bug noted that its check went stale: the
scheduler's part), and the runs the test *failed* (the part of the test's checks, which may
miss a reached window). Prints both and the seconds spent. The reference itself is run the
same way as a control: it must be failed by none. Asserts nothing; prints figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import benchlib

ROOT = Path(__file__).resolve().parents[1]

# Each bug: (the test it runs in, the Raft subclass's body). The plug-in swaps raft1.raft.make.
BUGS: dict[str, tuple[str, str]] = {
    "reference": ("test_initial_election_3a", "pass"),
    "vote-check-then-grant": ("test_many_elections_3a", '''
        def request_vote(self, args, reply):
            # The vote is checked under the lock, and granted under it again: between the two,
            # another candidate of the same term can be granted the same vote.
            with self.mu:
                if args.term > self.current_term:
                    self._become_follower(args.term)
                reply.term = self.current_term
                last = self._last_index()
                free = args.term == self.current_term and self.voted_for in (None, args.candidate_id)
                fresh = (args.last_log_term, args.last_log_index) >= (self._term_at(last), last)
            if free and fresh:
                with self.mu:
                    if self.current_term == args.term and self.voted_for not in (None, args.candidate_id):
                        reached()  # a second vote in one term
                    self.voted_for = args.candidate_id
                    reply.vote_granted = True
                    self._reset_election_timer()
                    self._persist()
    '''),
    "start-index-then-append": ("test_concurrent_starts_3b", '''
        def start(self, command):
            # The index is read under the lock and the entry appended under it again: two
            # concurrent calls can both be told the same index.
            with self.mu:
                if self.role is not Role.LEADER or self.killed():
                    return -1, self.current_term, False
                index, term = self._last_index() + 1, self.current_term
            with self.mu:
                if self._last_index() + 1 != index:
                    reached()  # another start() took this index in between
                self.log.append(LogEntry(term, command))
                self._persist()
                self._wake_replicators()
            return index, term, True
    '''),
}

TEST_FILE = '''
import os

import pytest

import raft1.raft
from raft1 import raft_test
from raft1.raft import LogEntry, Raft, Role


def reached():
    """The bug's window was hit: its check went stale before its act."""
    with open(os.environ["SEEDED_REACHED"], "a") as f:
        f.write("reached\\n")


class SeededRaft(Raft):
{body}


def test_seeded(monkeypatch):
    def make(peers, me, persister, apply_ch):
        rf = SeededRaft(peers, me, persister, apply_ch)
        rf._start_threads()
        return rf

    SeededRaft.__name__ = "Raft"
    monkeypatch.setattr(raft1.raft, "make", make)
    monkeypatch.setenv("VIS_ENABLE", "never")
    raft_test.{test}()
'''


def write_test(folder: Path, bug: str) -> Path:
    test, body = BUGS[bug]
    path = folder / f"seeded_{bug.replace('-', '_')}_test.py"
    path.write_text(TEST_FILE.format(body=textwrap.indent(textwrap.dedent(body).strip(), "    "), test=test))
    return path


def run_once(path: Path, seed: int | None, schedule: str, preempt: float, slack: float) -> tuple[bool, bool, float]:
    """One run: (the test failed, the window was reached, seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABS_SIM") and k != "LABS_RACE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    marks = path.parent / f"reached-{seed}-{time.monotonic_ns()}"
    env["SEEDED_REACHED"] = str(marks)
    if seed is not None:
        env.update(LABS_SIM="1", LABS_SIM_SEED=str(seed), PYTHONHASHSEED="0", LABS_SIM_SCHEDULE=schedule,
                   LABS_SIM_PREEMPT=str(preempt), LABS_SIM_SLACK=str(slack))
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                           "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), str(path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    reached = marks.exists()
    marks.unlink(missing_ok=True)
    return proc.returncode != 0, reached, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each bug, each way (default 20)")
    parser.add_argument("--bug", choices=sorted(BUGS), action="append", help="only these (default all)")
    parser.add_argument("--schedule", choices=["random", "pct"], default="random")
    parser.add_argument("--preempt", type=float, default=0.05, help="LABS_SIM_PREEMPT for the random walk")
    parser.add_argument("--slack", type=float, default=0.0, help="LABS_SIM_SLACK, seconds (default 0)")
    parser.add_argument("--quick", action="store_true", help="the control only, one run each way (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.bug = 1, ["reference"]
    rows = []
    # Beside the Raft tests, so that the session simulates it and its conftest applies; a folder
    # whose name starts with a dot, so that no other run of the suite collects what is left of it.
    with tempfile.TemporaryDirectory(dir=ROOT / "src" / "raft1", prefix=".seeded-") as tmp:
        for bug in args.bug or list(BUGS):
            path = write_test(Path(tmp), bug)
            figures = []
            for seeds in (None, range(1, args.runs + 1)):
                jobs = [None] * args.runs if seeds is None else list(seeds)
                with ThreadPoolExecutor(2) as pool:
                    results = list(pool.map(lambda s: run_once(path, s, args.schedule, args.preempt, args.slack), jobs))
                failed = sum(f for f, _, _ in results)
                reached = sum(r for _, r, _ in results)
                figures += [f"{reached}/{args.runs}", f"{failed}/{args.runs}", f"{sum(t for *_, t in results):.0f}"]
                print(f"{bug}, {'real' if seeds is None else 'sim'}: reached by {reached}, failed {failed} "
                      f"of {args.runs}", file=sys.stderr)
            rows.append([bug, BUGS[bug][0], *figures])
    benchlib.print_table(
        f"seeded bugs found, real time against simulation ({args.schedule}"
        + (f", preemption {args.preempt}" if args.schedule == "random" else "")
        + (f", timer slack {args.slack}s" if args.slack else "") + f"), {args.runs} runs each",
        ["bug", "test", "real: reached", "real: failed", "real s", "sim: reached", "sim: failed", "sim s"], rows)


if __name__ == "__main__":
    main()
