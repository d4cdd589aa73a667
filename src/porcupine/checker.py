"""The linearizability checker (Go: porcupine's checker.go and porcupine.go).

A history is first split by the model's partition function (P-compositionality: a history is
linearizable iff each part is), then each part is searched with the Wing-Gong-Lowe
algorithm: walk a doubly linked list of call/return entries sorted by time, tentatively
linearize ("lift") a call whose step the model accepts, and backtrack at a return whose call
is still pending. A cache of (set of linearized operations, state) prunes configurations
that were already explored.

Python threads would only take turns on one core, so the partitions are searched as
generators in one thread, round robin, a slice at a time. This keeps Go's behaviour that a
hard partition does not hide an illegal one, and gives one shared deadline and an early stop
at the first illegal partition without any thread machinery.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

from porcupine.annotation import Annotation
from porcupine.model import CheckResult, Event, EventKind, Model, Operation
from porcupine.search import search


class Entry(NamedTuple):
    """A call or a return of one operation in a partition, in time order (Go: entry).

    ``id`` numbers the operations of the partition from 0; ``value`` is the input of a call
    and the output of a return.
    """

    is_call: bool
    value: Any
    id: int
    time: int | float
    client_id: int
    metadata: Any


@dataclass
class LinearizationInfo:
    """What the visualization needs (Go: LinearizationInfo).

    ``history[p]`` holds partition p's entries; ``partial_linearizations[p]`` the distinct
    longest linearizable prefixes found, as operation ids, longest first (a complete
    linearization if p is linearizable); ``partition_results[p]`` whether p was found OK,
    ILLEGAL, or left UNKNOWN by the timeout; ``annotations`` the rows drawn beside them.
    """

    history: list[list[Entry]] = field(default_factory=list)
    partial_linearizations: list[list[list[int]]] = field(default_factory=list)
    partition_results: list[CheckResult] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)

    def add_annotations(self, annotations: Iterable[Annotation]) -> None:
        """Add annotations to draw beside the history; a missing or early end means a point."""
        for a in annotations:
            self.annotations.append(
                Annotation(
                    client_id=a.client_id,
                    tag=a.tag,
                    start=a.start,
                    end=max(a.end, a.start),
                    description=a.description,
                    details=a.details,
                    text_color=a.text_color,
                    background_color=a.background_color,
                )
            )

    def partial_linearizations_operations(self) -> list[list[list[Operation]]]:
        """The partial linearizations as operations instead of ids."""
        result = []
        for entries, partials in zip(self.history, self.partial_linearizations):
            ops = _operations_of(entries)
            result.append([[ops[i] for i in seq] for seq in partials])
        return result


def _operations_of(entries: list[Entry]) -> dict[int, Operation]:
    calls: dict[int, Entry] = {}
    ops: dict[int, Operation] = {}
    for e in entries:
        if e.is_call:
            calls[e.id] = e
        else:
            c = calls[e.id]
            meta = e.metadata if e.metadata is not None else c.metadata
            ops[e.id] = Operation(c.client_id, c.value, c.time, e.value, e.time, meta)
    return ops


# --- building the per-partition entry lists ---------------------------------------------


def make_entries(history: list[Operation]) -> list[Entry]:
    """Calls and returns of an operation history, sorted by time, calls first on ties (the
    intervals are closed)."""
    entries = []
    for i, op in enumerate(history):
        if not isinstance(op.call, (int, float)) or not isinstance(op.return_time, (int, float)):
            raise ValueError(
                f"operation {i} needs numeric call and return times (NEVER_RETURNED for a call "
                f"that never returned): {op!r}"
            )
        if op.return_time < op.call:
            raise ValueError(
                f"operation {i} returns before it is called "
                f"(call {op.call}, return {op.return_time}): {op!r}"
            )
        entries.append(Entry(True, op.input, i, op.call, op.client_id, op.metadata))
        entries.append(Entry(False, op.output, i, op.return_time, op.client_id, op.metadata))
    entries.sort(key=lambda e: (e.time, not e.is_call))
    return entries


def convert_events(history: list[Event]) -> list[Entry]:
    """Entries of an event history, ids renumbered from 0 and the position used as time.

    Raises ValueError unless every id has one call followed later by one return.
    """
    renumber: dict[Any, int] = {}
    returned: set[int] = set()
    entries = []
    for pos, ev in enumerate(history):
        if ev.kind is EventKind.CALL:
            if ev.id in renumber:
                raise ValueError(f"event {pos}: a second call with id {ev.id!r}")
            renumber[ev.id] = len(renumber)
        elif ev.kind is EventKind.RETURN:
            if ev.id not in renumber:
                raise ValueError(f"event {pos}: return with id {ev.id!r} before any call with that id")
            if renumber[ev.id] in returned:
                raise ValueError(f"event {pos}: a second return with id {ev.id!r}")
            returned.add(renumber[ev.id])
        else:
            raise ValueError(f"event {pos}: kind must be an EventKind, not {ev.kind!r}")
        entries.append(
            Entry(ev.kind is EventKind.CALL, ev.value, renumber[ev.id], pos, ev.client_id, ev.metadata)
        )
    missing = [eid for eid, n in renumber.items() if n not in returned]
    if missing:
        raise ValueError(
            f"calls with ids {missing[:5]!r} never return; append return events "
            "(with an output the model accepts either way) at the end of the history"
        )
    return entries


def _unique_partials(longest: list[list[int] | None]) -> list[list[int]]:
    """The distinct prefixes in ``longest``, longest first."""
    seen: dict[int, list[int]] = {}
    for seq in longest:
        if seq is not None and id(seq) not in seen:
            seen[id(seq)] = seq
    return sorted((list(s) for s in seen.values()), key=len, reverse=True)


def _check_partitions(
    model: Model, histories: list[list[Entry]], verbose: bool, timeout: float | None
) -> tuple[CheckResult, LinearizationInfo]:
    deadline = time.monotonic() + timeout if timeout is not None and timeout > 0 else None
    longest: list[list[list[int] | None]] = [[None] * (len(h) // 2) for h in histories]
    running = {
        i: search(model, h, longest[i] if verbose else None) for i, h in enumerate(histories)
    }
    results = [CheckResult.UNKNOWN] * len(histories)
    ok = True
    timed_out = False
    try:
        while running and not timed_out and (ok or verbose):
            for i, gen in list(running.items()):
                try:
                    next(gen)
                except StopIteration as stop:
                    del running[i]
                    results[i] = CheckResult.OK if stop.value else CheckResult.ILLEGAL
                    if not stop.value:
                        ok = False
                        if not verbose:
                            break
                if deadline is not None and time.monotonic() >= deadline:
                    timed_out = True
                    break
    finally:
        for gen in running.values():
            gen.close()
    info = LinearizationInfo()
    if verbose:
        info.history = histories
        info.partial_linearizations = [_unique_partials(lg) for lg in longest]
        info.partition_results = results
    if not ok:
        return CheckResult.ILLEGAL, info
    return (CheckResult.UNKNOWN if timed_out else CheckResult.OK), info


# --- public API --------------------------------------------------------------------------


def _check_operations(model: Model, history: list[Operation], verbose: bool, timeout: float | None):
    parts = [make_entries(p) for p in model.split_operations(history)]
    return _check_partitions(model, parts, verbose, timeout)


def _check_events(model: Model, history: list[Event], verbose: bool, timeout: float | None):
    parts = [convert_events(p) for p in model.split_events(history)]
    return _check_partitions(model, parts, verbose, timeout)


def check_operations(model: Model, history: list[Operation], timeout: float | None = None) -> CheckResult:
    """Check an operation history. ``timeout`` is in seconds (None or <= 0: no limit); when it
    expires before anything illegal is found the result is UNKNOWN."""
    return _check_operations(model, history, False, timeout)[0]


def check_operations_verbose(
    model: Model, history: list[Operation], timeout: float | None = None
) -> tuple[CheckResult, LinearizationInfo]:
    """Like :func:`check_operations`, also returning what :func:`visualize` needs. Every
    partition is searched (until the timeout), not just up to the first illegal one."""
    return _check_operations(model, history, True, timeout)


def check_events(model: Model, history: list[Event], timeout: float | None = None) -> CheckResult:
    """Check an event history (see :func:`check_operations`)."""
    return _check_events(model, history, False, timeout)[0]


def check_events_verbose(
    model: Model, history: list[Event], timeout: float | None = None
) -> tuple[CheckResult, LinearizationInfo]:
    """Like :func:`check_events`, also returning what :func:`visualize` needs."""
    return _check_events(model, history, True, timeout)
