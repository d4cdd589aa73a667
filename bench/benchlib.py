"""What the Raft and KV benchmarks share: latency summaries and a table with units."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from rich import box  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from labrpc.affinity import pin_to_one_cpu  # noqa: E402

TABLE_WIDTH = 160  # wide enough that a pipe (make bench | tee) gets one line per row


@dataclass(frozen=True)
class Summary:
    """Latencies in ms."""

    n: int
    mean: float
    p50: float
    p99: float


def summarize(seconds: Sequence[float]) -> Summary:
    """Mean and nearest-rank percentiles, in ms, of latencies given in seconds."""
    if not seconds:
        return Summary(0, math.nan, math.nan, math.nan)
    ms = sorted(s * 1000 for s in seconds)
    return Summary(len(ms), sum(ms) / len(ms), _rank(ms, 0.50), _rank(ms, 0.99))


def _rank(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)]


def pin() -> str:
    """Pin to one CPU as the tests do (conftest.py), so figures match what tests see."""
    cpu = pin_to_one_cpu()
    return f"pinned to CPU {cpu}" if cpu is not None else "not pinned"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], note: str = "") -> None:
    """A right-aligned table; headers carry the units."""
    console = Console(width=max(Console().width, TABLE_WIDTH), highlight=False)
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", caption=note or None,
                  caption_justify="left")
    for h in headers:
        table.add_column(h, justify="right", no_wrap=True, min_width=len(h))
    for row in rows:
        table.add_row(*row)
    console.print(table)


# The part-by-part benchmarks (race_bench, sim_bench) run pytest on the parts of labtools.parts;
# --quick runs one test of 3A instead, as a smoke test.
QUICK_PARTS = {"3A": ["src/raft1/raft_test.py", "-k", "3A and initial_election"]}


def add_part_arguments(parser: argparse.ArgumentParser, default: str) -> None:
    from labtools.parts import PARTS
    parser.add_argument("--parts", default=default, help="parts or labs, comma-separated: " + ",".join(PARTS))
    parser.add_argument("--quick", action="store_true", help="one test of 3A only (a smoke test)")


def chosen_parts(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, list[str]]:
    """part -> the pytest arguments that select it, as --parts and --quick ask."""
    from labtools.parts import PARTS, select
    if args.quick:
        return dict(QUICK_PARTS)
    try:
        return {part: PARTS[part] for part in select(args.parts)}
    except ValueError as e:
        parser.error(str(e))
