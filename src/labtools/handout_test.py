"""Tests of the handouts and the grader: a handout has no solution in it and fails its tests
for the right reason; with the reference's files copied in it passes; the grader gives the
reference full marks and the skeleton none, and rejects what the course rejects."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from labtools import grade, handout, junit, parts, skeleton

ROOT = handout.ROOT
SRC = ROOT / "src"


def _pytest(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=tree, capture_output=True, text=True, timeout=280)


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("handouts")
    return {lab: handout.make(base / f"lab{lab}", lab) for lab in ("2", "3", "4", "all")}


# ------------------------------------------------------------------------------ skeleton markup

def test_skeleton_drops_solution_regions_and_uncomments_skeleton_lines() -> None:
    text = ("def f():\n    # skeleton: # Your code here (3A).\n    # skeleton: return 0\n"
            "    # solution begin\n    return secret()\n    # solution end\n")
    assert skeleton.skeleton(text) == "def f():\n    # Your code here (3A).\n    return 0\n"


@pytest.mark.parametrize("text, problem", [
    ("# solution begin\nx = 1\n", "f.py:1: '# solution begin' is never closed"),
    ("x = 1\n# solution end\n", "f.py:2: '# solution end' with no region open"),
    ("# solution begin\n# solution begin\n# solution end\n", "f.py:2: '# solution begin' inside the region opened at line 1"),
    ("# solution begin\n# skeleton: x = 0\n# solution end\n", "f.py:2: a skeleton line inside the region"),
    ("# solution begin\nx = 1  # solution end\n", "f.py:2: a marker must stand alone on its line"),
])
def test_bad_markup_is_an_error_that_names_the_line(text: str, problem: str) -> None:
    with pytest.raises(skeleton.MarkupError, match=re.escape(problem)):
        skeleton.skeleton(text, "f.py")


def test_every_student_file_is_marked_up_and_its_skeleton_compiles() -> None:
    for name in skeleton.student_files():
        text = (SRC / name).read_text()
        assert skeleton.BEGIN in text, f"{name} has no solution region"
        out = skeleton.skeleton_of(SRC, name)
        compile(out, name, "exec")
        assert "Your code here" in out or "You will have to modify" in out, name


# ------------------------------------------------------------------------------ the handouts

def _own_names(tree: Path) -> set[str]:
    """The reference's own helpers: names its solution regions define that the harness (the
    handout's files other than the student's, copied from the repository as they are) never
    uses. ELECTION_TIMEOUT or resolve are the harness's words too; _replicator is not."""
    names: set[str] = set()
    for name in skeleton.student_files():
        names |= skeleton.solution_names((SRC / name).read_text())
    student = {tree / "src" / name for name in skeleton.student_files()}
    harness_words: set[str] = set()
    for path in tree.rglob("*.py"):
        if path not in student:
            harness_words |= set(re.findall(r"\w+", path.read_text()))
    return names - harness_words


def test_the_reference_s_own_names_are_known(handouts: dict[str, Path]) -> None:
    """The check below can fail: the reference's own helpers are known by name."""
    names = _own_names(handouts["all"])
    assert {"_replicator", "_advance_commit", "_start_election", "LogEntry", "_Waiter", "_reader",
            "append_entries", "install_snapshot", "HEARTBEAT", "RETRY_INTERVAL"} <= names, sorted(names)


@pytest.mark.parametrize("lab", ["2", "3", "4", "all"])
def test_a_handout_has_no_solution_code(handouts: dict[str, Path], lab: str) -> None:
    tree = handouts[lab]
    names = _own_names(handouts["all"])
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    found = {}
    for path in tree.rglob("*.py"):
        hits = set(pattern.findall(path.read_text()))
        if hits:
            found[str(path.relative_to(tree))] = sorted(hits)
    assert not found, f"reference helpers in the handout: {found}"
    for name in handout.student_files_in(handout.labs_of(lab)):
        text = (tree / "src" / name).read_text()
        assert skeleton.BEGIN not in text and skeleton.SKELETON not in text
        assert text != (SRC / name).read_text()
    assert not list(tree.rglob("*rejects_test.py")) and not (tree / "bench").exists()


def test_a_handout_of_one_lab_holds_that_lab_only(handouts: dict[str, Path]) -> None:
    assert (handouts["2"] / "src/kvsrv1/server.py").exists() and not (handouts["2"] / "src/raft1").exists()
    assert (handouts["3"] / "src/raft1/raft.py").exists() and not (handouts["3"] / "src/kvraft1").exists()
    assert (handouts["4"] / "src/raft1/raft.py").exists() and (handouts["4"] / "src/kvraft1/rsm/rsm.py").exists()
    for lab in ("2", "3", "4"):
        assert (handouts[lab] / "Makefile").exists() and "make test" in (handouts[lab] / "README.md").read_text()


def test_a_handout_goes_into_a_new_folder(handouts: dict[str, Path]) -> None:
    with pytest.raises(FileExistsError):
        handout.make(handouts["3"], "3")
    with pytest.raises(ValueError, match="unknown lab '5'"):
        handout.make(handouts["3"].parent / "five", "5")


@pytest.mark.parametrize("lab", ["2", "3", "4"])
def test_a_handout_collects_every_test(handouts: dict[str, Path], lab: str) -> None:
    r = _pytest(handouts[lab], "--collect-only")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"\d+ tests collected", r.stdout), r.stdout


# One quick test or two per lab, with what the skeleton makes them fail with (Go's messages).
QUICK = {
    "2": (["src/kvsrv1/kvsrv_test.py::test_reliable_put", "src/kvsrv1/lock/lock_test.py::test_one_client_reliable"],
          ["Put err", "get failed"]),
    "3": (["src/raft1/raft_test.py::test_initial_election_3a"], ["expected one leader, got none"]),
    "4": (["src/kvraft1/rsm/rsm_test.py::test_basic_4a", "src/kvraft1/kvraft_test.py::test_basic_4b"],
          # Go's oneInc returns nil after 10 s of ErrWrongLeader and the test dereferences it
          ["'NoneType' object has no attribute 'n'", "Wrong error"]),
}


@pytest.mark.parametrize("lab", ["2", "3", "4"])
def test_a_handout_fails_its_tests_for_the_right_reason(handouts: dict[str, Path], lab: str,
                                                       tmp_path: Path) -> None:
    tests, reasons = QUICK[lab]
    xml = tmp_path / "out.xml"
    r = _pytest(handouts[lab], f"--junitxml={xml}", *tests)
    cases = junit.read(xml)
    assert r.returncode == 1 and len(cases) == len(tests) and not any(c.passed for c in cases), r.stdout[-3000:]
    for case, reason in zip(cases, reasons):
        assert reason in case.message, (case, r.stdout[-3000:])


@pytest.mark.parametrize("lab", ["2", "3", "4"])
def test_a_handout_with_the_reference_files_passes(handouts: dict[str, Path], lab: str, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(handouts[lab], tree)
    for name in handout.student_files_in(handout.labs_of(lab)):
        shutil.copy2(SRC / name, tree / "src" / name)
    r = _pytest(tree, *QUICK[lab][0])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


# ------------------------------------------------------------------------------ the grader

def _grader(*args: str, timeout: float = 280, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "labtools.grade", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _grade(student: Path, spec: str, tmp_path: Path, runs: int = 1) -> dict:
    """Grade from tmp_path with a relative --out, as `make grade` gives one."""
    out = tmp_path / "graded" / "results.json"
    r = _grader("--parts", spec, "--runs", str(runs), "--out", "graded/results.json", str(student), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(out.read_text())


def _check_gradescope_shape(results: dict) -> None:
    """The fields and types of Gradescope's autograder results."""
    assert isinstance(results["score"], float) and isinstance(results["execution_time"], int)
    assert isinstance(results["output"], str) and isinstance(results["tests"], list) and results["tests"]
    for t in results["tests"]:
        assert isinstance(t["name"], str) and isinstance(t["output"], str)
        assert isinstance(t["score"], float) and isinstance(t["max_score"], float)
        assert 0 <= t["score"] <= t["max_score"]
    assert results["score"] == sum(t["score"] for t in results["tests"])


def test_the_reference_gets_full_marks(tmp_path: Path) -> None:
    results = _grade(ROOT, "3A", tmp_path)
    _check_gradescope_shape(results)
    [part] = results["tests"]
    assert part["name"] == "Part 3A" and part["score"] == part["max_score"] == 3.0, part


def test_the_skeleton_gets_nothing(handouts: dict[str, Path], tmp_path: Path) -> None:
    results = _grade(handouts["3"], "3A", tmp_path)
    _check_gradescope_shape(results)
    [part] = results["tests"]
    assert part["score"] == 0.0 and part["max_score"] == 3.0
    assert "expected one leader, got none" in part["output"], part


def test_the_grader_uses_its_own_tests_not_the_students(handouts: dict[str, Path], tmp_path: Path) -> None:
    """A student who edits a test to pass gains nothing: the reference's tests are put back."""
    tree = tmp_path / "cheat"
    shutil.copytree(handouts["3"], tree)
    tests = tree / "src/raft1/raft_test.py"
    edited, n = re.subn(r"(def test_\w+_3a\(\) -> None:\n)", r"\1    return\n", tests.read_text())
    assert n == 3
    tests.write_text(edited)
    assert _pytest(tree, "src/raft1/raft_test.py", "-k", "3A").returncode == 0  # it would pass there
    results = _grade(tree, "3A", tmp_path)
    assert results["tests"][0]["score"] == 0.0


# The grader's rules, on made-up runs (no waiting for a slow test to be slow).

def _fake(monkeypatch: pytest.MonkeyPatch, outcome) -> None:
    monkeypatch.setattr(grade, "assemble", lambda student, into: [])
    monkeypatch.setattr(grade, "run_part", lambda tree, part, run, logs: outcome(part, run))


def _run(spec: str, runs: int, tmp_path: Path) -> dict[str, grade.PartResult]:
    console = Console(file=open(tmp_path / "console.txt", "w"))
    results = grade.grade(tmp_path, parts.select(spec), runs, tmp_path / "tree", tmp_path / "logs", console)
    return {r.part: r for r in results}


def test_a_test_over_120_seconds_fails_its_part(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake(monkeypatch, lambda part, run: ([junit.Case("slow", True, 121.0), junit.Case("quick", True, 1.0)], 122.0, ""))
    r = _run("3A", 1, tmp_path)["3A"]
    assert r.score(1) == 0 and "slow took 121.0 s, over the 120 s limit" in r.problems[0]


def test_a_lab_over_600_seconds_fails_all_its_parts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake(monkeypatch, lambda part, run: ([junit.Case("t", True, 100.0)], 160.0, ""))  # 4 parts x 160 s
    results = _run("3", 1, tmp_path)
    assert all(r.score(1) == 0 for r in results.values())
    assert "lab 3 took 640 s, over the 600 s limit" in results["3D"].problems[0]
    results = _run("3A,3B,3C", 1, tmp_path)  # 480 s: within the limit
    assert all(r.score(1) == 1 for r in results.values())


def test_with_several_runs_a_part_passes_only_if_every_run_does(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    _fake(monkeypatch, lambda part, run: ([junit.Case("t", run != 2, 1.0, "boom"), junit.Case("u", True, 1.0)], 2.0, ""))
    r = _run("3B", 3, tmp_path)["3B"]
    assert r.runs_passed == 2 and r.score(3) == 0 and r.problems == ["run 2: t failed: boom"]
    assert _run("3B", 1, tmp_path)["3B"].score(1) == 2


def test_a_part_whose_tests_do_not_run_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake(monkeypatch, lambda part, run: ([], 1.0, "ImportError while loading conftest"))
    r = _run("4A", 1, tmp_path)["4A"]
    assert r.score(1) == 0 and "no test result" in r.problems[0] and "ImportError" in r.problems[0]


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    for args, problem in [(["--parts", "5A", str(ROOT)], "unknown part '5A'"),
                          (["--runs", "0", str(ROOT)], "--runs must be at least 1"),
                          ([str(tmp_path)], "has no src/ folder")]:
        r = _grader(*args, timeout=60)
        assert r.returncode == 2 and problem in r.stderr, (args, r.stderr)


def test_a_part_that_runs_past_the_limit_is_stopped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "slow_test.py").write_text("import time\n\ndef test_slow():\n    time.sleep(60)\n")
    monkeypatch.setitem(parts.PARTS, "3A", ["slow_test.py"])
    monkeypatch.setattr(grade, "LAB_LIMIT", -57.0)  # the part's process gets 3 s
    cases, wall, output = grade.run_part(tmp_path, "3A", 1, tmp_path)
    assert cases == [] and wall < 30 and "the part ran past 3 s and was stopped" in output, output


def test_a_teardown_error_is_one_failed_test_not_two(tmp_path: Path) -> None:
    (tmp_path / "report.xml").write_text(
        '<testsuites><testsuite>'
        '<testcase classname="src.raft1.raft_test" name="test_a" time="2.0"/>'
        '<testcase classname="src.raft1.raft_test" name="test_a" time="0.5"><error message="teardown boom"/></testcase>'
        '<testcase classname="src.raft1.raft_test" name="test_b" time="1.0"><skipped/></testcase>'
        '</testsuite></testsuites>')
    assert junit.read(tmp_path / "report.xml") == [junit.Case("test_a", False, 2.5, "teardown boom")]
