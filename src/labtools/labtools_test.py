"""Tests of the workbench tools."""

from __future__ import annotations

import textwrap
from pathlib import Path

from rich.console import Console

from labtools import compare, stress


def test_stress_counts_a_failure_and_keeps_its_output(tmp_path: Path):
    test_file = tmp_path / "flaky_test.py"
    test_file.write_text(textwrap.dedent("""
        def test_passes():
            pass

        def test_fails_on_purpose():
            print("the output of a failed run")
            assert False, "failing on purpose"
    """))
    out = tmp_path / "out"
    console = Console(file=open(tmp_path / "console.txt", "w"), width=120)
    failures = stress.stress([str(test_file), "-p", "no:randomly"], runs=3, parallel=2, disk=False,
                             out=out, console=console)
    console.file.close()
    assert failures == 3
    logs = sorted(out.glob("failed-run-*.log"))
    assert len(logs) == 3 and "failing on purpose" in logs[0].read_text()
    table = (tmp_path / "console.txt").read_text()
    assert "test_fails_on_purpose" in table and "3 of 3 runs failed" in table


def test_stress_exit_status(tmp_path: Path):
    ok = tmp_path / "ok_test.py"
    ok.write_text("def test_ok():\n    pass\n")
    assert stress.main([str(ok), "-n", "2", "-p", "2", "--out", str(tmp_path / "o")]) == 0


GO = """## raft-3A  (wall 0:12.98)
Test (3A): initial election (reliable network)...
  ... Passed --  time  3.1s #peers 3 #RPCs    48 #Ops    0
Test: one client (4B basic) (reliable network)...
  ... Passed --  time  3.1s #peers 5 #RPCs  1404 #Ops  249
"""

PY = """src/raft1/raft_test.py Test (3A): initial election (reliable network)...
  ... Passed --  time  3.0s #peers 3 #RPCs    54 #Ops    0
.Test: one client (4B basic) (reliable network)...
Fatal: something broke
"""


def test_compare_matches_tests_and_computes_ratios():
    go, py = compare.parse(GO), compare.parse(PY)
    assert [(r.part, r.time, r.rpcs) for r in go] == [("3A", 3.1, 48), ("4B", 3.1, 1404)]
    assert py[1].time is None  # failed: no Passed line
    console = Console(width=200, record=True)
    console.print(compare.compare(go, py))
    text = console.export_text()
    assert "1.12" in text  # 54 / 48 RPCs
    assert "0.97" in text  # 3.0 / 3.1 s
