"""Reports, printed as Go's race detector prints them, and kept for the test that is running."""

from __future__ import annotations

import _thread
import sys

from labrace.stacks import Stack, format_stack
from labrace.threads import ThreadInfo

RULE = "=================="


class Report:
    """One finding: a kind (the WARNING line), a one-line summary, titled stacks, and the
    threads involved (their creation stacks close the report, as in Go)."""

    def __init__(self, kind: str, summary: str, sections: list[tuple[str, Stack]],
                 *threads: ThreadInfo) -> None:
        self.kind = kind
        self.summary = summary
        self.sections = sections
        self.threads = threads

    def format(self) -> str:
        parts = [RULE, self.kind, self.summary]
        for title, stack in self.sections:
            parts += ["", f"{title}:", format_stack(stack)]
        seen: set[int] = set()
        for th in self.threads:
            if th.serial in seen:
                continue
            seen.add(th.serial)
            if th.start_stack is None:
                parts += ["", f"Thread {th.name} (started before the detector; the main thread or a harness thread)"]
            else:
                parts += ["", f"Thread {th.name} created at:", format_stack(th.start_stack)]
        parts.append(RULE)
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"Report({self.kind!r}, {self.summary!r})"


_mu = _thread.allocate_lock()
_reports: list[Report] = []


def add(r: Report) -> None:
    """Print a report at once (a test that then hangs has still said why) and keep it."""
    print(r.format(), file=sys.stderr, flush=True)
    with _mu:
        _reports.append(r)


def take() -> list[Report]:
    """The reports since the last take(), which are then forgotten."""
    with _mu:
        out = list(_reports)
        _reports.clear()
        return out

