"""The sequential specification of the labs' key/value service (Go: models1/kv.go).

Each key holds a value and a version. A get must read the current value (its version and
error are not checked). A put succeeds ("OK") and bumps the version when its version matches,
and is refused ("ErrVersion") otherwise; a put that reported "ErrMaybe" is legal either
way, taking effect exactly when the versions match at its linearization point. A missing key
reads as "" (Go's ErrNoKey reply carries value ""), which is the initial state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import porcupine

GET = 0
PUT = 1


@dataclass(frozen=True, slots=True)
class KvInput:
    """op 0 get, 1 put (Go: Op uint8); ``version`` is the put's expected version."""

    op: int = GET
    key: str = ""
    value: str = ""
    version: int = 0


@dataclass(frozen=True, slots=True)
class KvOutput:
    value: str = ""
    version: int = 0
    err: str = ""


@dataclass(frozen=True, slots=True)
class KvState:
    value: str = ""
    version: int = 0


_INITIAL = KvState("", 0)


def _partition(history: list[porcupine.Operation]) -> list[list[porcupine.Operation]]:
    """One partition per key, keys in sorted order (as Go's sort.Strings)."""
    by_key: dict[str, list[porcupine.Operation]] = {}
    for op in history:
        by_key.setdefault(op.input.key, []).append(op)
    return [by_key[k] for k in sorted(by_key)]


def _step(state: KvState, inp: KvInput, out: KvOutput) -> tuple[bool, Any]:
    if inp.op == GET:
        return out.value == state.value, state
    if inp.op == PUT:
        if state.version == inp.version:
            return out.err in ("OK", "ErrMaybe"), KvState(inp.value, state.version + 1)
        return out.err in ("ErrVersion", "ErrMaybe"), state
    return False, "<invalid>"


def _read_only(state: KvState, inp: KvInput, out: KvOutput) -> bool:
    """Never changes the state from ``state`` on: a get, a refused put, or a put whose version
    is already behind (versions only grow, so it can never match again). This lets the
    checker linearize it at once (see porcupine.Model.read_only)."""
    return inp.op == GET or out.err == "ErrVersion" or (inp.op == PUT and inp.version < state.version)


def _describe_operation(inp: KvInput, out: KvOutput) -> str:
    if inp.op == GET:
        return f"get('{inp.key}') -> ('{out.value}', '{out.version}', '{out.err}')"
    if inp.op == PUT:
        return f"put('{inp.key}', '{inp.value}', '{inp.version}') -> ('{out.err}')"
    return "<invalid>"


def _describe_state(state: Any) -> str:
    """Go prints the state with %v: {value version}."""
    if isinstance(state, KvState):
        return f"{{{state.value} {state.version}}}"
    return str(state)


kv_model = porcupine.Model(
    partition=_partition,
    init=lambda: _INITIAL,
    step=_step,
    read_only=_read_only,
    describe_operation=_describe_operation,
    describe_state=_describe_state,
)
