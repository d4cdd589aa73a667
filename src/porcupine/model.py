"""Histories and sequential specifications (Go: porcupine's model.go).

A history is either a list of :class:`Operation` (a call and its return packed together,
with timestamps) or a list of :class:`Event` (calls and returns only ordered relative to
each other). A :class:`Model` says which sequences of operations are legal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable, Optional

# A call that never returned has ``return_time = NEVER_RETURNED``: it then sorts after every
# other call and return, so it may take effect at any point after its call (as in Go, where
# such calls are given a return after everything else).
NEVER_RETURNED = float("inf")


@dataclass
class Operation:
    """One call and its return (Go: porcupine.Operation).

    ``call`` and ``return_time`` are timestamps (ints; the labs use ns since the epoch) and the
    interval ``[call, return_time]`` is closed, so two operations touching at one instant are
    concurrent. ``return_time`` is named so because ``return`` is a Python keyword; use
    :data:`NEVER_RETURNED` for a call whose outcome is unknown because it never returned, and
    give it an output that the model accepts either way. ``client_id`` only matters for the
    visualization (one row per client).
    """

    client_id: int
    input: Any
    call: int
    output: Any
    return_time: int | float
    metadata: Any = None


class EventKind(enum.Enum):
    """Whether an :class:`Event` is a call or a return."""

    CALL = "call"
    RETURN = "return"


CALL_EVENT = EventKind.CALL
RETURN_EVENT = EventKind.RETURN


@dataclass
class Event:
    """A call or a return in an event history (Go: porcupine.Event).

    A call and its return share ``id`` (any hashable value; ids only need to be unique among
    operations). ``value`` is the input for a call and the output for a return. The position
    in the list is the event's time.
    """

    client_id: int
    kind: EventKind
    value: Any
    id: Any
    metadata: Any = None


class CheckResult(enum.Enum):
    """The verdict of a check. UNKNOWN means the timeout expired before anything illegal was
    found; the labs treat it as OK."""

    OK = "Ok"
    ILLEGAL = "Illegal"
    UNKNOWN = "Unknown"


def _describe_operation(input: Any, output: Any) -> str:
    return f"{input} -> {output}"


def _describe_state(state: Any) -> str:
    return str(state)


def _describe_metadata(metadata: Any) -> str:
    return "" if metadata is None else str(metadata)


@dataclass(kw_only=True)
class Model:
    """A sequential specification (Go: porcupine.Model). Build it with keywords.

    ``init`` and ``step`` are required; ``step(state, input, output) -> (ok, new_state)`` must
    not mutate its arguments. ``partition``/``partition_event`` split a history into
    independent parts (for example per key), each checked on its own, which is what makes
    checking big histories feasible; without them the history is checked as a whole.

    The checker prunes its search with a cache of (linearized operations, state). ``hash``
    keys that cache and ``equal`` resolves collisions; both default to Python's ``hash`` and
    ``==``, so states should be hashable (tuples, frozen dataclasses, strings, ints). If you
    give ``equal`` but no ``hash``, or states are unhashable, give a ``hash`` consistent with
    ``equal`` (equal states, equal hashes) or the cache degrades to comparing every state
    seen for the same set of operations.

    ``read_only(state, input, output) -> bool`` is an optional hint that prunes the search:
    True promises that the operation never changes the state from ``state`` on, that is in
    ``state`` and in every state reachable from it, wherever the model accepts it (a read;
    a write refused for good, say because versions only grow). The checker then linearizes
    such an operation as soon as it is legal, without trying it elsewhere. A wrong True can
    turn a linearizable history ILLEGAL; False is always safe.
    """

    partition: Optional[Callable[[list[Operation]], list[list[Operation]]]] = None
    partition_event: Optional[Callable[[list[Event]], list[list[Event]]]] = None
    init: Callable[[], Any]
    step: Callable[[Any, Any, Any], tuple[bool, Any]]
    equal: Optional[Callable[[Any, Any], bool]] = None
    hash: Optional[Callable[[Any], int]] = None
    read_only: Optional[Callable[[Any, Any, Any], bool]] = None
    describe_operation: Callable[[Any, Any], str] = _describe_operation
    describe_state: Callable[[Any], str] = _describe_state
    describe_operation_metadata: Callable[[Any], str] = _describe_metadata

    def split_operations(self, history: list[Operation]) -> list[list[Operation]]:
        """The partitions of an operation history (the whole history if no partition)."""
        return [list(history)] if self.partition is None else self.partition(history)

    def split_events(self, history: list[Event]) -> list[list[Event]]:
        """The partitions of an event history (the whole history if no partition_event)."""
        return [list(history)] if self.partition_event is None else self.partition_event(history)
