"""Compare a Go test run with a Python test run, test by test, from their progress lines.

    .venv/bin/python -m labtools.compare docs/go-run.txt out/python-run.txt

Both files hold `<description> (<reliable|unreliable> network)...` Begin lines, each
followed by `  ... Passed --  time 3.1s #peers 3 #RPCs 48 #Ops 0` when it passed.
Tests are matched by their Begin line and order of appearance (the same title can
occur more than once). Parts come from `## <name>` headers if present, else from the
part in the title, e.g. "(3A)".
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

_PYTEST_PREFIX = re.compile(r"^(?:\S+\.py )?[.sFEx]*(?=Test|  \.\.\.)")
_BEGIN = re.compile(r"^(?P<title>.*) \((?P<net>reliable|unreliable) network\)\.\.\.$")
_PASSED = re.compile(r"^  \.\.\. Passed --\s+time\s+(?P<t>[\d.]+)s #peers (?P<peers>\d+) "
                     r"#RPCs\s+(?P<rpcs>\d+) #Ops\s+(?P<ops>\d+)$")


@dataclass
class Result:
    key: str
    part: str
    time: float | None = None  # None: no Passed line (failed, or a Begin with no End)
    rpcs: int | None = None
    ops: int | None = None


def _part_of(title: str, header: str) -> str:
    m = re.search(r"\b([2-5][A-D])\b", title)
    if m:
        return m.group(1)
    return header or "?"


def parse(text: str) -> list[Result]:
    results: list[Result] = []
    seen: dict[str, int] = {}
    header = ""
    current: Result | None = None
    for line in text.splitlines():
        # pytest -s puts a test file's name and the previous tests' dots before a Begin line
        line = _PYTEST_PREFIX.sub("", line)
        if line.startswith("## "):
            header = line[3:].split()[0]
            continue
        if m := _BEGIN.match(line):
            base = f"{m['title']} ({m['net']})"
            seen[base] = seen.get(base, 0) + 1
            key = base if seen[base] == 1 else f"{base} #{seen[base]}"
            current = Result(key, _part_of(m["title"], header))
            results.append(current)
        elif (m := _PASSED.match(line)) and current is not None:
            current.time, current.rpcs, current.ops = float(m["t"]), int(m["rpcs"]), int(m["ops"])
            current = None
    return results


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


def _fmt(x: float | int | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def compare(go: list[Result], py: list[Result]) -> Table:
    by_key = {r.key: r for r in py}
    table = Table(title="Python vs Go, per test")
    for col in ("part", "test", "Go s", "Py s", "Py/Go", "Go RPCs", "Py RPCs", "Py/Go", "Go ops", "Py ops"):
        table.add_column(col, justify="left" if col in ("part", "test") else "right")
    totals: dict[str, list[float]] = {}
    for g in go:
        p = by_key.get(g.key)
        row_py = p or Result(g.key, g.part)
        table.add_row(g.part, g.key, _fmt(g.time, ".1f"), _fmt(row_py.time, ".1f"), _ratio(row_py.time, g.time),
                      _fmt(g.rpcs, "d"), _fmt(row_py.rpcs, "d"), _ratio(row_py.rpcs, g.rpcs),
                      _fmt(g.ops, "d"), _fmt(row_py.ops, "d"))
        t = totals.setdefault(g.part, [0.0, 0.0, 0, 0])
        if g.time is not None and row_py.time is not None:
            t[0] += g.time
            t[1] += row_py.time
            t[2] += g.rpcs or 0
            t[3] += row_py.rpcs or 0
    for part, (gt, pt, gr, pr) in totals.items():
        table.add_row(part, "[bold]total", f"{gt:.1f}", f"{pt:.1f}", _ratio(pt, gt), str(gr), str(pr),
                      _ratio(pr, gr), "", "", end_section=False)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare a Go and a Python test run side by side.")
    parser.add_argument("go_run", type=Path)
    parser.add_argument("python_run", type=Path)
    args = parser.parse_args(argv)
    for path in (args.go_run, args.python_run):
        if not path.is_file():
            parser.error(f"{path}: no such file")
    go = parse(args.go_run.read_text())
    py = parse(args.python_run.read_text())
    if not go or not py:
        parser.error("no Begin lines found in " + (str(args.go_run) if not go else str(args.python_run)))
    Console(width=200).print(compare(go, py))
    return 0


if __name__ == "__main__":
    sys.exit(main())
