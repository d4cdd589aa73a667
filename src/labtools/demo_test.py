"""Tests of the kvraft workbench (make demo): a short real run, the options, the live view."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from labtools import demo

SRC = Path(__file__).resolve().parents[1]


def test_a_short_run_is_checked_and_drawn(tmp_path: Path):
    cmd = [sys.executable, "-m", "labtools.demo", "--seconds", "4", "--servers", "3", "--clients", "3",
           "--seed", "1", "--no-live", "--out", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=env, cwd=SRC.parent)
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert re.search(r"^verdict: (linearizable \(Ok\)|Unknown)", out, re.M), out
    assert int(re.search(r"^ops: (\d+)", out, re.M).group(1)) > 0, out
    assert int(re.search(r"^faults: (\d+)", out, re.M).group(1)) >= 1, out  # the first comes within 1.5 s
    assert "] fault: " in out  # and was announced as it happened
    html = Path(re.search(r"^timeline: (.+\.html)$", out, re.M).group(1))
    assert html.is_absolute() and html.parent == tmp_path.resolve()
    page = html.read_text()
    assert len(page) > 10_000 and "$ Failure" in page and "$ Checker" in page  # faults and verdict drawn


@pytest.mark.parametrize("argv, message", [
    (["--servers", "0"], "--servers: must be at least 1, not 0"),
    (["--clients", "-1"], "--clients: must be at least 1, not -1"),
    (["--seconds", "0"], "--seconds: must be a positive number"),
    (["--maxraftstate", "0"], "--maxraftstate: must be -1"),
    (["--keys", "x"], "--keys: not an integer"),
])
def test_bad_options_are_refused_clearly(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_:
        demo.parse_args(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_live_view_shows_roles_sides_and_totals():
    views = [demo.ServerView(True, True, 4, True, 900, 100, 10),  # the leader of term 4
             demo.ServerView(True, True, 3, True, 800, 100, 5),  # deposed, in the minority
             demo.ServerView(False, False, None, False, 700, 100, None)]
    st = demo.Status("running", 10.0, 20.0, views, ["side A", "side B", "crashed"], "partition [0] | [1]",
                     [demo.FaultEvent(9.5, "partition [0] | [1]")], Counter({"random partition": 1}),
                     Counter({("get", "OK"): 30, ("put", "OK"): 20, ("put", "ErrMaybe"): 2}), 52, 5.0, 1234)
    console = Console(width=140, record=True, file=io.StringIO())
    console.print(demo.render(st))
    text = console.export_text()
    for want in ("stale leader", "side B", "crashed", "down", "52 (gets 30, puts 22: 20 OK", "2 ErrMaybe",
                 "5 now, 5 overall", "1 (random partition 1)"):
        assert want in text, text
    assert "leader 0 (term 4)" in demo.status_line(st)
