"""Models for the corpus formats read by :mod:`porcupine.parse`, and the table the command
line uses to pick a reader and a model."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from porcupine.model import CALL_EVENT, Event, Model
from porcupine.parse import EtcdInput, EtcdOutput, KvInput, KvOutput, parse_jepsen_etcd, parse_jepsen_kv

# --- etcd: one register, initially empty (None) ------------------------------------------


def _etcd_step(state: Any, inp: EtcdInput, out: EtcdOutput) -> tuple[bool, Any]:
    op = inp.op
    if op == 0:
        if out.unknown:
            return True, state
        return (state == out.value if out.exists else state is None), state
    if op == 1:
        return True, inp.arg1
    swaps = state == inp.arg1
    return (out.unknown or out.ok == swaps), (inp.arg2 if swaps else state)


def _etcd_describe(inp: EtcdInput, out: EtcdOutput) -> str:
    if inp.op == 0:
        return "read() -> " + ("unknown" if out.unknown else str(out.value) if out.exists else "null")
    if inp.op == 1:
        return f"write({inp.arg1})"
    result = "unknown" if out.unknown else "ok" if out.ok else "fail"
    return f"cas({inp.arg1}, {inp.arg2}) -> {result}"


etcd_model = Model(
    init=lambda: None,
    step=_etcd_step,
    describe_operation=_etcd_describe,
    describe_state=lambda s: "null" if s is None else str(s),
)


# --- key/value: get, put, append on string keys, each key initially "" -------------------


def _kv_describe(inp: KvInput, out: KvOutput) -> str:
    if inp.op == 0:
        return f"get('{inp.key}') -> " + ("unknown" if out.unknown else f"'{out.value}'")
    return f"{'put' if inp.op == 1 else 'append'}('{inp.key}', '{inp.value}')"


def _kv_step(state: str, inp: KvInput, out: KvOutput) -> tuple[bool, str]:
    op = inp.op
    if op == 0:
        return (out.unknown or out.value == state), state
    if op == 1:
        return True, inp.value
    return True, state + inp.value


def _kv_partition_events(history: list[Event]) -> list[list[Event]]:
    by_key: dict[str, list[Event]] = {}
    key_of: dict[Any, str] = {}
    for ev in history:
        if ev.kind is CALL_EVENT:
            key_of[ev.id] = ev.value.key
        by_key.setdefault(key_of[ev.id], []).append(ev)
    return [by_key[k] for k in sorted(by_key)]


def _kv_partition(history: list[Any]) -> list[list[Any]]:
    by_key: dict[str, list[Any]] = {}
    for op in history:
        by_key.setdefault(op.input.key, []).append(op)
    return [by_key[k] for k in sorted(by_key)]


kv_model = Model(
    partition=_kv_partition,
    partition_event=_kv_partition_events,
    init=lambda: "",
    step=_kv_step,
    describe_operation=_kv_describe,
    describe_state=lambda s: repr(s),
)


def kv_unpartitioned_model(keys: list[str]) -> Model:
    """The key/value store checked as a whole. The state is a tuple of every key's value in
    ``sorted(keys)`` order, so it is hashable and cheap to copy with one change."""
    keys = sorted(set(keys))
    index = {k: i for i, k in enumerate(keys)}

    def step(state: tuple[str, ...], inp: KvInput, out: KvOutput) -> tuple[bool, tuple[str, ...]]:
        i = index[inp.key]
        if inp.op == 0:
            return (out.unknown or out.value == state[i]), state
        value = inp.value if inp.op == 1 else state[i] + inp.value
        return True, state[:i] + (value,) + state[i + 1 :]

    def describe_state(state: tuple[str, ...]) -> str:
        return "{" + ", ".join(f"'{k}': '{v}'" for k, v in zip(keys, state) if v) + "}"

    return Model(init=lambda: ("",) * len(keys), step=step, describe_operation=_kv_describe,
                 describe_state=describe_state)


# --- the command line's table -------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """How to read a history file and which model checks it, split or whole."""

    parse: Callable[[str | os.PathLike[str]], list[Event]]
    model: Callable[[list[Event]], Model]
    unpartitioned_model: Callable[[list[Event]], Model]


def _kv_keys(events: list[Event]) -> list[str]:
    return [e.value.key for e in events if e.kind is CALL_EVENT]


FORMATS: dict[str, Format] = {
    # a single register has nothing to split
    "jepsen-etcd": Format(parse_jepsen_etcd, lambda _: etcd_model, lambda _: etcd_model),
    "jepsen-kv": Format(parse_jepsen_kv, lambda _: kv_model, lambda ev: kv_unpartitioned_model(_kv_keys(ev))),
}
