"""Grade a student's tree as the course does, and write Gradescope's results.json.

    python -m labtools.grade [--parts 3A,3B|3|all] [--runs N] [--out FILE] STUDENT_TREE
    make grade [PART=...] [DIR=student-tree] [RUNS=N]

Like the course's .check-build, it first makes a fresh tree of the reference harness and
tests (labtools.handout) and copies only the student's own files into it (the files of
labtools.skeleton.STUDENT_FILES that the student tree has), so edited tests or harness
do not count. Then each part runs in a pytest process of its own, one after another, as
many times as asked. A part fails on any failed test, on a test over 120 s, or when its
lab's parts took over 600 s in a run; with several runs it passes only if every run does.
A part that passes scores one point per test, a part that fails scores nothing.

The results follow Gradescope's autograder specification: ``score``, ``execution_time``,
``output``, and ``tests[]`` with ``name``, ``score``, ``max_score`` and ``output`` per part.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from labtools import handout, junit, parts, skeleton

TEST_LIMIT = 120.0  # seconds a test may take (Go's tester gives up at 120 s too)
LAB_LIMIT = 600.0  # seconds all the parts of a lab may take in one run (go test's 10 minutes)


@dataclass
class PartResult:
    part: str
    tests: int = 0  # tests in the part (the most any run saw)
    runs_passed: int = 0
    seconds: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why runs failed, a line each

    def max_score(self) -> int:
        return self.tests

    def score(self, runs: int) -> int:
        return self.tests if self.runs_passed == runs and self.tests else 0


def assemble(student: Path, into: Path) -> list[str]:
    """The harness and tests of this tree (the reference, or a student's own handout when
    grading oneself) in ``into``, with the student's own files copied in; returns the student
    files found (the others stay skeletons: they score nothing)."""
    handout.make(into, "all")
    found = []
    for name in skeleton.student_files():
        theirs = student / "src" / name
        if theirs.is_file():
            shutil.copy2(theirs, into / "src" / name)
            found.append(name)
    return found


def run_part(tree: Path, part: str, run: int, logs: Path) -> tuple[list[junit.Case], float, str]:
    """One pytest process for ``part``: its cases, its wall time, and its output."""
    xml = (logs / f"{part}-run{run}.xml").resolve()  # pytest runs in tree, not here
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}",
           *parts.PARTS[part]]
    env = {k: v for k, v in os.environ.items() if k not in ("LABS_RACE", "PYTEST_ADDOPTS")}
    began = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True,
                              timeout=LAB_LIMIT + 60)
        output = proc.stdout + proc.stderr
        if proc.returncode not in (0, 1):  # 1: tests failed; others: interrupted, usage, crash
            output += f"\ngrade: pytest exited with {proc.returncode}"
    except subprocess.TimeoutExpired as e:  # its output so far comes as bytes
        partial = "".join(x.decode(errors="replace") if isinstance(x, bytes) else (x or "") for x in (e.stdout, e.stderr))
        output = f"{partial}\ngrade: the part ran past {LAB_LIMIT + 60:.0f} s and was stopped"
    wall = time.monotonic() - began
    (logs / f"{part}-run{run}.log").write_text(output)
    return junit.read(xml), wall, output


def grade(student: Path, chosen: list[str], runs: int, tree: Path, logs: Path,
          console: Console) -> list[PartResult]:
    """Assemble ``tree`` from ``student`` and run the parts; each run's output goes to ``logs``."""
    found = assemble(student, tree)
    console.print(f"grade: {student}: {', '.join(found) or 'none of the student files'} "
                  f"over a fresh reference harness in {tree}")
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    results = {p: PartResult(p) for p in chosen}
    for run in range(1, runs + 1):
        lab_seconds: dict[str, float] = {}
        failed_now: dict[str, list[str]] = {}
        for part in chosen:
            console.print(f"grade: run {run}/{runs}, part {part} ...")
            cases, wall, output = run_part(tree, part, run, logs)
            res = results[part]
            res.tests = max(res.tests, len(cases))
            res.seconds.append(wall)
            lab_seconds[parts.lab_of(part)] = lab_seconds.get(parts.lab_of(part), 0.0) + wall
            problems = [f"run {run}: {c.name} failed: {c.message}" for c in cases if not c.passed]
            problems += [f"run {run}: {c.name} took {c.seconds:.1f} s, over the {TEST_LIMIT:.0f} s limit"
                         for c in cases if c.passed and c.seconds > TEST_LIMIT]
            if not cases:
                tail = "\n".join(output.strip().splitlines()[-5:])
                problems.append(f"run {run}: no test result (collection failed, or pytest ended before its "
                                f"report):\n{tail}")
            failed_now[part] = problems
        for part in chosen:
            lab = parts.lab_of(part)
            if lab_seconds[lab] > LAB_LIMIT:
                failed_now[part].append(f"run {run}: lab {lab} took {lab_seconds[lab]:.0f} s, "
                                        f"over the {LAB_LIMIT:.0f} s limit")
            if failed_now[part]:
                results[part].problems += failed_now[part]
            else:
                results[part].runs_passed += 1
    return list(results.values())


def results_json(results: list[PartResult], runs: int, seconds: float) -> dict:
    """Gradescope's results.json for these results."""
    tests = []
    for r in results:
        verdict = "passed" if r.score(runs) else "failed"
        lines = [f"part {r.part}: {r.tests} tests, {r.runs_passed} of {runs} runs passed: {verdict}"]
        tests.append({"name": f"Part {r.part}", "number": r.part, "score": float(r.score(runs)),
                      "max_score": float(r.max_score()), "output": "\n".join(lines + r.problems)})
    total = sum(t["score"] for t in tests)
    maximum = sum(t["max_score"] for t in tests)
    return {"score": total, "execution_time": round(seconds), "tests": tests,
            "output": f"{total:g} of {maximum:g} points; {runs} run(s) of each part"}


def print_table(console: Console, results: list[PartResult], runs: int) -> None:
    table = Table(title="grade", title_justify="left")
    for h in ("part", "tests", "runs passed", "score", "max", "seconds", "first problem"):
        table.add_column(h, justify="left" if h == "first problem" else "right")
    for r in results:
        first = r.problems[0].splitlines()[0] if r.problems else ""
        table.add_row(r.part, str(r.tests), f"{r.runs_passed}/{runs}", str(r.score(runs)), str(r.max_score()),
                      f"{sum(r.seconds):.0f}", first[:90])
    total = sum(r.score(runs) for r in results)
    table.add_row("total", "", "", str(total), str(sum(r.max_score() for r in results)), "", "")
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grade a student's tree of the labs as the course does.")
    parser.add_argument("student", type=Path, help="the student's tree (a handout with their files)")
    parser.add_argument("--parts", default=None, help="parts or labs: 3A,3B or 3 or all (default)")
    parser.add_argument("--runs", type=int, default=1, help="runs per part; a part passes only if all do")
    parser.add_argument("--out", type=Path, default=None, help="results.json (default: out/grade/results.json)")
    parser.add_argument("--keep", action="store_true", help="keep the assembled tree")
    args = parser.parse_args(argv)
    console = Console(width=max(Console().width, 140), highlight=False)
    labs = handout.labs_in(handout.ROOT)
    try:
        chosen = [p for p in parts.select(args.parts) if args.parts or parts.lab_of(p) in labs]
        missing = [p for p in chosen if parts.lab_of(p) not in labs]
        if missing:
            raise ValueError(f"this tree has no harness for part(s) {', '.join(missing)} (its labs: {', '.join(labs)})")
        if args.runs < 1:
            raise ValueError(f"--runs must be at least 1, not {args.runs}")
        if not (args.student / "src").is_dir():
            raise ValueError(f"{args.student} has no src/ folder: not a tree of the labs")
    except ValueError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    out = (args.out or Path("out") / "grade" / "results.json").resolve()  # the parts run in another folder
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="labs-grade-"))
    try:
        results = grade(args.student.resolve(), chosen, args.runs, work / "tree", out.parent / "logs", console)
    finally:
        if args.keep:
            console.print(f"grade: the assembled tree is kept in {work / 'tree'}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(console, results, args.runs)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results_json(results, args.runs, time.monotonic() - began), indent=2) + "\n")
    console.print(f"grade: wrote {out}; each run's output is in {out.parent / 'logs'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
