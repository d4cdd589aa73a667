"""Raft debug-log viewer: one column per server, coloured by topic (after "dslogs").

    RAFT_DEBUG=1 .venv/bin/python -m pytest -k 3A -s 2>&1 | .venv/bin/python -m labtools.logview
    .venv/bin/python -m labtools.logview run.log --ignore LOG1,LOG2 --servers 0,2

Reads the lines raft1.util.dprint writes (``<ms> <TOPIC> S<server> T<term> <message>``)
and prints each in its server's column, with the time in ms on the left. Other lines
(pytest's, the tester's) are printed across the full width; a ``Test ...`` line becomes
a rule, since a saved run may hold many tests and server numbers restart with each.

A file (or stdin redirected from a file) is read whole first, so that each test's
column count is inferred from the servers it logs; a pipe is shown as lines arrive,
starting with --columns (default 5) columns and adding columns when a higher server
appears.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import stat
import sys
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from rich.text import Text

# The topics of raft1/util.py and their colours.
TOPICS: dict[str, str] = {
    "VOTE": "#67a0b2",
    "LEAD": "bold #d0b343",
    "TERM": "#70c43f",
    "LOG1": "#4878bc",
    "LOG2": "#398280",
    "CMIT": "#98719f",
    "APLY": "#b8a0ff",
    "PERS": "#d08341",
    "SNAP": "#fd971f",
    "TIMR": "#9a9a99",
    "DROP": "#ff615c",
    "INFO": "default",
}
UNKNOWN_TOPIC_STYLE = "default"
DEFAULT_COLUMNS = 5  # when streaming without --columns
TIME_WIDTH = 7
MIN_CELL_WIDTH = 12

# A log line may follow other text on the same line (pytest's "file.py " before a test's
# first output, a "." after it), since stdout and stderr share the pipe.
_LOG_RE = re.compile(r"(?:^|(?<=\D))(\d{6,}) ([A-Z][A-Z0-9]{3}) S(\d+) T(-?\d+)(?: (.*))?$")
_TEST_RE = re.compile(r"(?:^|\s)(Test ?[(:].*)$")
_END_RE = re.compile(r"\.\.\. Passed|^Fatal:|FAIL")


@dataclass(frozen=True)
class Entry:
    """One debug line."""

    ms: int
    topic: str
    server: int
    term: int
    msg: str


@dataclass(frozen=True)
class Other:
    """A line that is not a debug line; ``test`` is set when it starts a test."""

    text: str
    test: bool = False


Item = Entry | Other


def parse_line(line: str) -> list[Item]:
    """Split one input line into what it holds: other text, a debug entry, or both."""
    line = line.rstrip("\r\n")
    m = _LOG_RE.search(line)
    if m is None:
        return [_other(line)]
    items: list[Item] = []
    prefix = line[: m.start()]
    if prefix.strip():
        items.append(_other(prefix.rstrip()))
    ms, topic, server, term, msg = m.groups()
    items.append(Entry(int(ms), topic, int(server), int(term), msg or ""))
    return items


def _other(text: str) -> Other:
    m = _TEST_RE.search(text)
    return Other(m.group(1), test=True) if m else Other(text)


def parse(lines: Iterable[str]) -> Iterator[Item]:
    for line in lines:
        yield from parse_line(line)


@dataclass(frozen=True)
class Filter:
    """Which entries to show: None means no restriction."""

    topics: frozenset[str] | None = None  # shown topics
    ignore: frozenset[str] = frozenset()
    servers: tuple[int, ...] | None = None

    def keep(self, e: Entry) -> bool:
        if self.topics is not None and e.topic not in self.topics:
            return False
        if e.topic in self.ignore:
            return False
        return self.servers is None or e.server in self.servers


class Layout:
    """Maps servers to columns: the chosen servers, or 0..n-1 with n growing as needed."""

    def __init__(self, columns: int, servers: tuple[int, ...] | None = None) -> None:
        self.servers = servers
        self.base = len(servers) if servers else columns
        self.columns = self.base

    def reset(self, columns: int | None = None) -> None:
        """A new test: server numbers restart, so the column count does too."""
        self.columns = self.base if self.servers or columns is None else columns

    def place(self, server: int) -> tuple[int, bool]:
        """The column of ``server``, and whether the layout grew to make room for it."""
        if self.servers:
            return self.servers.index(server), False
        if server < self.columns:
            return server, False
        self.columns = server + 1
        return server, True

    def names(self) -> list[str]:
        return [f"S{s}" for s in (self.servers or range(self.columns))]


class Viewer:
    """Prints items as rows of a table with one column per server."""

    def __init__(self, console: Console, layout: Layout, filt: Filter, others: bool = True) -> None:
        self.console = console
        self.layout = layout
        self.filt = filt
        self.others = others
        self.width = console.width  # read once: a terminal resized meanwhile keeps its layout
        self._need_header = True
        self._paint = _Painter(console)

    def show(self, item: Item) -> None:
        if isinstance(item, Entry):
            self.entry(item)
        elif item.test:
            self.test(item.text)
        elif self.others and item.text.strip():
            self.console.print(Text(item.text, style=_other_style(item.text)))

    def reset(self, columns: int | None = None) -> None:
        """Start a new layout (a new test), headed afresh."""
        self.layout.reset(columns)
        self._need_header = True

    def test(self, title: str, columns: int | None = None) -> None:
        """A separator; the next entries start a new layout."""
        self.reset(columns)
        self.console.rule(Text(title, style="bold"), style="magenta")

    def entry(self, e: Entry) -> None:
        if not self.filt.keep(e):
            return
        col, grew = self.layout.place(e.server)
        if grew or self._need_header:
            self._header()
        style = TOPICS.get(e.topic, UNKNOWN_TOPIC_STYLE)
        self._row(str(e.ms), col, f"{e.topic} T{e.term} {e.msg}".rstrip(), style)

    def _cell_width(self) -> int:
        n = self.layout.columns
        return max(MIN_CELL_WIDTH, (self.width - TIME_WIDTH - n) // n)

    def _header(self) -> None:
        self._need_header = False
        w = self._cell_width()
        names = self.layout.names()
        parts = [self._paint("ms".rjust(TIME_WIDTH), "bold")]
        for i, name in enumerate(names):
            pad = "" if i == len(names) - 1 else " " * (w - len(name))
            parts.append(" " + self._paint(name, "bold underline") + pad)
        self._write("".join(parts))

    def _row(self, ms: str, col: int, text: str, style: str) -> None:
        """One entry: its cell, wrapped to the column's width, indented to its column.

        Written by hand rather than as a rich Table (about 1 ms a row, too slow for
        a long run's log); rich still supplies the colours.
        """
        w = self._cell_width()
        lines = [text] if len(text) <= w else textwrap.wrap(text, w, break_on_hyphens=False) or [""]
        indent = " " * (1 + col * (w + 1))
        out = []
        for i, line in enumerate(lines):
            stamp = self._paint((ms if i == 0 else "").rjust(TIME_WIDTH), "dim")
            out.append(stamp + indent + self._paint(line, style))
        self._write("\n".join(out))

    def _write(self, text: str) -> None:
        """Write whole lines at once and flush, so that a pipe's rows show as they come."""
        self.console.file.write(text + "\n")
        self.console.file.flush()


class _Painter:
    """Applies a rich style to plain text as the console would (no codes when it has no colour)."""

    def __init__(self, console: Console) -> None:
        name = console.color_system  # None when not a terminal (or TERM=dumb)
        self._system = _COLOR_SYSTEMS.get(name) if name else None
        self._no_color = console.no_color
        self._styles: dict[str, Style] = {}

    def __call__(self, text: str, style: str) -> str:
        if self._system is None or not text:
            return text
        st = self._styles.get(style)
        if st is None:
            st = Style.parse(style)
            st = self._styles[style] = st.without_color if self._no_color else st
        return st.render(text, color_system=self._system)


_COLOR_SYSTEMS = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT,
                  "truecolor": ColorSystem.TRUECOLOR, "windows": ColorSystem.WINDOWS}


def _other_style(text: str) -> str:
    if "Passed" in text:
        return "green"
    if "FAIL" in text or "Fatal" in text or "Error" in text or "error" in text:
        return "bold red"
    return "dim"


def view_stream(lines: Iterable[str], viewer: Viewer) -> None:
    """Show lines as they arrive (a pipe): the column count grows when needed."""
    for item in parse(lines):
        viewer.show(item)


def view_whole(lines: Iterable[str], viewer: Viewer, columns: int | None) -> None:
    """Show a whole log, each test with as many columns as servers it logs."""
    for pre, head, body in _sections(list(parse(lines))):
        n = columns or 1 + max((i.server for i in pre + body if isinstance(i, Entry)), default=0)
        if n != viewer.layout.columns:
            viewer.reset(n)
        for item in pre:
            viewer.show(item)
        if head is not None:
            viewer.test(head.text, n)
        for item in body:
            viewer.show(item)


def _sections(items: list[Item]) -> Iterator[tuple[list[Item], Other | None, list[Item]]]:
    """Split items into tests: (lines before its Test line, the Test line, lines after it).

    The tester starts a test's servers before it prints the Test line, so the lines
    after the previous test's end (its Passed line) belong to the next test.
    """
    pre: list[Item] = []
    head: Other | None = None
    body: list[Item] = []
    for item in items:
        if not (isinstance(item, Other) and item.test):
            body.append(item)
            continue
        cut = 0 if head is None else _after_end(body)
        if pre or head is not None or body[:cut]:
            yield pre, head, body[:cut]
        pre, head, body = body[cut:], item, []
    if pre or head is not None or body:
        yield pre, head, body


def _after_end(body: list[Item]) -> int:
    """The index just after the last end-of-test line in body (its length if none)."""
    for i in range(len(body) - 1, -1, -1):
        item = body[i]
        if isinstance(item, Other) and _END_RE.search(item.text):
            return i + 1
    return len(body)


# ------------------------------------------------------------------- arguments


def topic_list(text: str) -> frozenset[str]:
    """argparse type: comma-separated topic names, case-insensitive, all known."""
    names = [t.strip().upper() for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError("no topic given")
    unknown = [t for t in names if t not in TOPICS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown topic {', '.join(repr(t) for t in unknown)} (topics: {', '.join(TOPICS)})")
    return frozenset(names)


def server_list(text: str) -> tuple[int, ...]:
    """argparse type: comma-separated server numbers, e.g. 0,2."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(
            f"bad server list {text!r}: want server numbers separated by commas, e.g. 0,2")
    return tuple(dict.fromkeys(int(p) for p in parts))


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"want a positive number, not {text!r}")
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m labtools.logview", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", default="-", help="a saved log; stdin when absent or -")
    p.add_argument("--topics", type=topic_list, help="show only these topics, e.g. VOTE,LEAD")
    p.add_argument("--ignore", type=topic_list, default=frozenset(), help="hide these topics, e.g. LOG1,LOG2")
    p.add_argument("--servers", type=server_list, help="show only these servers' columns, e.g. 0,2")
    p.add_argument("--columns", type=positive_int,
                   help=f"number of server columns (default: inferred; {DEFAULT_COLUMNS} for a pipe)")
    p.add_argument("--logs-only", action="store_true", help="drop lines that are not debug lines (Test rules stay)")
    p.add_argument("--width", type=positive_int, help="output width (default: the terminal's)")
    colour = p.add_mutually_exclusive_group()
    colour.add_argument("--no-color", action="store_true", help="no colours")
    colour.add_argument("--color", action="store_true", help="colours even when not writing to a terminal")
    return p


def _is_regular_file(f: TextIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.file == "-":
        source: TextIO = sys.stdin
        if isinstance(source, io.TextIOWrapper):
            source.reconfigure(errors="replace")  # a stray byte must not end the view
        if source.isatty():
            print("logview: reading the log from the terminal (end it with Ctrl-D); "
                  "pipe a log in or name a file", file=sys.stderr)
    else:
        try:
            source = open(args.file, encoding="utf-8", errors="replace")
        except OSError as e:
            parser.error(f"cannot read {args.file}: {e.strerror}")
    console = Console(width=args.width, no_color=args.no_color, force_terminal=True if args.color else None,
                      highlight=False, emoji=False)
    layout = Layout(args.columns or DEFAULT_COLUMNS, args.servers)
    viewer = Viewer(console, layout, Filter(args.topics, args.ignore, args.servers), not args.logs_only)
    try:
        with source:
            if _is_regular_file(source):
                view_whole(source, viewer, args.columns)
            else:
                view_stream(source, viewer)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. | head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
