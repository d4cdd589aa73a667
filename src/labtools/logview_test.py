"""Tests of the Raft log viewer."""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from labtools import logview
from labtools.logview import Entry, Filter, Layout, Other, Viewer, parse_line

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

SAMPLE = """\
collected 1 item
src/raft1/raft_test.py 000005 INFO S0 T0 started, 3 peers
000006 INFO S1 T0 started, 3 peers
000008 INFO S2 T0 started, 3 peers
Test (3A): initial election (reliable network)...
000315 TIMR S2 T1 election timeout, standing for election
000316 VOTE S0 T1 voted for S2
000316 LEAD S2 T1 leader, last index 0
000317 LOG1 S2 T1 append to S0: prev 0, 0 entries, commit 0
  ... Passed --  time  3.1s #peers 3 #RPCs    58 #Ops    0
.000320 INFO S0 T0 started, 5 peers
000321 INFO S4 T0 started, 5 peers
Test (3B): agreement (reliable network)...
000400 LEAD S4 T1 leader, last index 0
  ... Passed --  time  1.0s #peers 5 #RPCs    20 #Ops    0
"""


def _viewer(width: int = 90, columns: int = 3, filt: Filter = Filter(), others: bool = True,
            servers: tuple[int, ...] | None = None) -> tuple[Viewer, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, highlight=False)
    return Viewer(console, Layout(columns, servers), filt, others), out


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run([sys.executable, "-m", "labtools.logview", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=30)


def _columns_of(output: str) -> dict[int, list[str]]:
    """Each server's cell texts, located by the header's S<n> positions."""
    cols: dict[int, list[str]] = {}
    starts: list[tuple[int, int]] = []
    for line in output.splitlines():
        if re.match(r"\s+ms S\d", line):
            starts = [(m.start(), int(m.group(1))) for m in re.finditer(r"S(\d+)", line)]
            continue
        stamp, rest = line[:logview.TIME_WIDTH], line[logview.TIME_WIDTH:]
        if not starts or not rest.strip() or (stamp.strip() and not stamp.strip().isdigit()):
            continue
        pos = logview.TIME_WIDTH + len(rest) - len(rest.lstrip())
        server = [s for start, s in starts if start <= pos][-1]
        if stamp.strip():
            cols.setdefault(server, []).append(rest.strip())
        else:  # a wrapped cell goes on
            cols[server][-1] += " " + rest.strip()
    return cols


# ------------------------------------------------------------------ parsing


def test_parse_a_debug_line():
    assert parse_line("000316 VOTE S0 T1 voted for S2\n") == [Entry(316, "VOTE", 0, 1, "voted for S2")]
    assert parse_line("1234567 CMIT S12 T40") == [Entry(1234567, "CMIT", 12, 40, "")]


def test_parse_other_lines_and_test_lines():
    assert parse_line("collected 3 items") == [Other("collected 3 items")]
    assert parse_line("src/raft1/raft_test.py Test (3A): initial election...") == [
        Other("Test (3A): initial election...", test=True)]
    assert parse_line("Test: one client (4B) (reliable network)...")[0].test
    assert not parse_line("  ... Passed --  time  3.1s")[0].test
    assert parse_line("12345 VOTE S0 T1 too few digits") == [Other("12345 VOTE S0 T1 too few digits")]


def test_parse_a_debug_line_after_other_text():
    assert parse_line("src/raft1/raft_test.py 000005 INFO S0 T0 started") == [
        Other("src/raft1/raft_test.py"), Entry(5, "INFO", 0, 0, "started")]
    assert parse_line("  000005 INFO S0 T0 x") == [Entry(5, "INFO", 0, 0, "x")]
    assert parse_line("x1000005 INFO S0 T0 x") == [Other("x"), Entry(1000005, "INFO", 0, 0, "x")]


# ---------------------------------------------------------------- filtering


def test_filter_by_topic_and_server():
    vote, log = Entry(1, "VOTE", 0, 1, ""), Entry(2, "LOG1", 2, 1, "")
    assert Filter().keep(vote) and Filter().keep(log)
    assert Filter(topics=frozenset({"VOTE"})).keep(vote)
    assert not Filter(topics=frozenset({"VOTE"})).keep(log)
    assert not Filter(ignore=frozenset({"LOG1"})).keep(log)
    assert not Filter(servers=(0, 1)).keep(log)
    assert Filter(servers=(2,)).keep(log)


def test_filtered_rows_are_not_printed():
    viewer, out = _viewer(filt=Filter(topics=frozenset({"LEAD"}), servers=(2,)), servers=(2,))
    for line in SAMPLE.splitlines():
        for item in parse_line(line):
            viewer.show(item)
    cols = _columns_of(out.getvalue())
    assert cols == {2: ["LEAD T1 leader, last index 0"]}


# ------------------------------------------------------------------- layout


def test_layout_grows_and_resets():
    layout = Layout(3)
    assert layout.place(2) == (2, False)
    assert layout.place(4) == (4, True)
    assert layout.columns == 5 and layout.names() == ["S0", "S1", "S2", "S3", "S4"]
    layout.reset()
    assert layout.columns == 3
    chosen = Layout(5, servers=(3, 1))
    assert chosen.place(1) == (1, False) and chosen.names() == ["S3", "S1"]


def test_rows_are_placed_in_their_servers_column():
    viewer, out = _viewer(width=90, columns=3)
    viewer.show(Entry(316, "VOTE", 0, 1, "voted for S2"))
    viewer.show(Entry(317, "LOG2", 2, 1, "append from S0"))
    header, row0, row2 = out.getvalue().splitlines()
    assert header.split() == ["ms", "S0", "S1", "S2"]
    assert row0.index("VOTE") == header.index("S0")
    assert row2.index("LOG2") == header.index("S2") > 60
    assert row2.lstrip().startswith("317")


def test_a_higher_server_adds_a_column_and_a_new_header():
    viewer, out = _viewer(columns=2)
    viewer.show(Entry(1, "INFO", 1, 0, "a"))
    viewer.show(Entry(2, "INFO", 3, 0, "b"))
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ms", "S0", "S1"]
    assert lines[2].split() == ["ms", "S0", "S1", "S2", "S3"]
    assert _columns_of(out.getvalue()) == {1: ["INFO T0 a"], 3: ["INFO T0 b"]}


def test_other_lines_pass_through_or_are_dropped():
    viewer, out = _viewer(width=60)
    viewer.show(Other("collected 1 item"))
    viewer.show(Other("Test (3A): initial election...", test=True))
    lines = out.getvalue().splitlines()
    assert lines[0] == "collected 1 item"
    assert "Test (3A): initial election..." in lines[1] and lines[1].startswith("─")
    viewer, out = _viewer(others=False)
    viewer.show(Other("collected 1 item"))
    viewer.show(Other("Test (3A): x", test=True))
    assert "collected" not in out.getvalue() and "Test (3A): x" in out.getvalue()


def test_a_whole_log_gets_each_tests_column_count():
    viewer, out = _viewer(width=100, columns=logview.DEFAULT_COLUMNS)
    logview.view_whole(SAMPLE.splitlines(), viewer, None)
    headers = [line.split() for line in out.getvalue().splitlines() if re.match(r"\s+ms S", line)]
    assert headers == [["ms", "S0", "S1", "S2"]] * 2 + [["ms", "S0", "S1", "S2", "S3", "S4"]] * 2
    assert _columns_of(out.getvalue())[4] == ["INFO T0 started, 5 peers", "LEAD T1 leader, last index 0"]


# ---------------------------------------------------------- the command line


def test_reads_a_file(tmp_path: Path):
    log = tmp_path / "run.log"
    log.write_text(SAMPLE)
    r = _run([str(log), "--no-color", "--width", "100", "--ignore", "log1,info"])
    assert r.returncode == 0, r.stderr
    cols = _columns_of(r.stdout)
    assert cols[0] == ["VOTE T1 voted for S2"]
    assert cols[2] == ["TIMR T1 election timeout, standing for election", "LEAD T1 leader, last index 0"]
    assert "Passed" in r.stdout and "LOG1" not in r.stdout


def test_reads_stdin():
    r = _run(["-", "--no-color", "--width", "100", "--logs-only", "--topics", "LEAD"], stdin=SAMPLE)
    assert r.returncode == 0, r.stderr
    assert _columns_of(r.stdout) == {2: ["LEAD T1 leader, last index 0"], 4: ["LEAD T1 leader, last index 0"]}
    assert "Passed" not in r.stdout and "Test (3B)" in r.stdout


def test_a_pipe_is_shown_as_lines_arrive():
    env = dict(os.environ, PYTHONPATH=str(SRC))
    p = subprocess.Popen([sys.executable, "-m", "labtools.logview", "--no-color", "--width", "80"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=ROOT, bufsize=0)
    try:
        p.stdin.write(b"000316 VOTE S1 T1 voted for S2\n")
        seen = b""
        while b"VOTE T1" not in seen:  # raw reads: nothing hides in a buffer that select cannot see
            ready, _, _ = select.select([p.stdout], [], [], 20)
            assert ready, f"no row before end of input; got {seen!r}"
            chunk = os.read(p.stdout.fileno(), 4096)
            assert chunk, f"output ended early; got {seen!r}"
            seen += chunk
        assert seen.decode().splitlines()[0].split() == ["ms", "S0", "S1", "S2", "S3", "S4"]
    finally:
        p.stdin.close()
        p.wait(timeout=20)
        p.stdout.close()
    assert p.returncode == 0


@pytest.mark.parametrize("args, message", [
    (["--topics", "VOTE,FOO"], "argument --topics: unknown topic 'FOO'"),
    (["--ignore", ","], "argument --ignore: no topic given"),
    (["--servers", "0,a"], "argument --servers: bad server list '0,a'"),
    (["--servers", "-1"], "argument --servers: bad server list '-1'"),
    (["--columns", "0"], "argument --columns: want a positive number"),
    (["/nonexistent/run.log"], "cannot read /nonexistent/run.log"),
])
def test_bad_arguments_are_named(args: list[str], message: str, capsys: pytest.CaptureFixture):
    with pytest.raises(SystemExit) as exit_:
        logview.main(args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_real_raft_run():
    """RAFT_DEBUG=1 output of a real test, piped through the viewer, gives rows for 3 servers."""
    env = dict(os.environ, RAFT_DEBUG="1", PYTHONPATH=str(SRC))
    run = subprocess.run([sys.executable, "-m", "pytest", "src/raft1/raft_test.py", "-k", "initial_election_3a",
                          "-s"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
                         timeout=120)
    assert run.returncode == 0, run.stdout
    r = _run(["--no-color", "--width", "160"], stdin=run.stdout)
    assert r.returncode == 0, r.stderr
    cols = _columns_of(r.stdout)
    assert sorted(cols) == [0, 1, 2]
    assert all(any(text.startswith("INFO T0 started") for text in cols[s]) for s in cols)
    assert sum(text.startswith("LEAD") for s in cols for text in cols[s]) >= 1
    assert "Test (3A): initial election" in r.stdout
