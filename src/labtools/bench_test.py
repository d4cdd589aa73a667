"""Smoke tests of the benchmark scripts in bench/: each runs with --quick and prints positive figures."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench(script: str) -> str:
    r = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"], capture_output=True,
                       text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _table_rows(out: str, first: tuple[str, ...]) -> list[list[float]]:
    """The numeric rows of a benchmark table whose first cells are among ``first``."""
    rows = []
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0] in first and all(re.fullmatch(r"-?[\d.]+|nan", c) for c in cells):
            rows.append([float(c) for c in cells])
    return rows


def test_labrpc_bench():
    out = _bench("labrpc_bench.py")
    for label in ("sequential:", "10 callers:"):
        m = re.search(re.escape(label) + r"\s+(\d+) calls/s,\s+([\d.]+) us/call", out)
        assert m and float(m.group(1)) > 0 and float(m.group(2)) > 0, out
    assert re.search(r"AppendEntries args with 10 entries\s+\d+", out), out


def test_raft_bench():
    out = _bench("raft_bench.py")
    assert "commits/s" in out and "p99 ms" in out, out
    rows = _table_rows(out, ("3", "5"))
    assert [(r[0], r[1]) for r in rows] == [(3, 1), (3, 10), (5, 1), (5, 10)], out
    for row in rows:
        assert all(v > 0 and not math.isnan(v) for v in row), out


def test_kv_bench():
    out = _bench("kv_bench.py")
    assert "ops/s" in out and "p99 ms" in out, out
    rows = _table_rows(out, ("1", "10"))
    assert [(r[0], r[1]) for r in rows] == [(1, -1), (10, -1), (1, 1000), (10, 1000)], out
    for row in rows:
        assert all(v > 0 and not math.isnan(v) for v in row[:1] + row[2:]), out


def test_porcupine_bench():
    out = _bench("porcupine_bench.py")
    m = re.search(r"etcd: 102 logs in ([\d.]+) s .* wrong verdicts: none", out)
    assert m and float(m.group(1)) > 0, out
    assert re.search(r"c10-bad\s+\d+ ops\s+split:\s+Illegal\s+[\d.]+ s", out), out


def test_disk_bench():
    out = _bench("disk_bench.py")
    assert "fsyncs/entry" in out, out
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["memory"], ["disk"])]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (kind, peers, subs) for kind in ("memory", "disk") for peers, subs in
        (("3", "1"), ("3", "10"), ("5", "1"), ("5", "10"))], out
    for r in rows:
        assert all(float(v) > 0 for v in r[3:7]), out
        if r[0] == "disk":
            assert float(r[7]) >= 1, out  # every committed entry is fsynced somewhere


def test_race_bench():
    out = _bench("race_bench.py")
    assert "LABS_RACE=1 against a plain run" in out, out
    [row] = [line.split() for line in out.splitlines() if line.split()[:1] == ["3A"]]
    assert all(float(c) > 0 for c in row[1:5]), out  # wall and CPU, plain and race
    assert row[-2:] == ["ok", "ok"], out


def test_sim_bench():
    out = _bench("sim_bench.py")
    assert "simulation (seed 1) per part" in out, out
    [row] = [line.split() for line in out.splitlines() if line.split()[:1] == ["3A"]]
    assert all(float(c) > 0 for c in row[1:5]), out  # sim wall, virtual seconds, ratio, CPU
    assert row[-4:] == ["1", "x2", "equal", "ok"], out  # one test, two runs, the same digest


def test_sim_finds_bench():
    out = _bench("sim_finds_bench.py")
    [row] = [line.split() for line in out.splitlines() if line.split()[:1] == ["reference"]]
    assert row[2:4] == ["0/1", "0/1"] and row[5:7] == ["0/1", "0/1"], out  # reached and failed by neither
