"""Models for the corpus formats read by :mod:`porcupine.parse`, and the table the command
line uses to pick a reader and a model."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from porcupine.checker import make_entries
from porcupine.model import CALL_EVENT, NEVER_RETURNED, RETURN_EVENT, Event, Model, Operation
from porcupine.parse import (
    EtcdInput,
    EtcdOutput,
    KvInput,
    KvOutput,
    ParseError,
    _lines,
    parse_jepsen_etcd,
    parse_jepsen_kv,
)

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


def _etcd_read_only(state: Any, inp: EtcdInput, out: EtcdOutput) -> bool:
    """Reads, and cas calls known to have failed, never change the register."""
    return inp.op == 0 or (inp.op == 2 and not out.unknown and not out.ok)


etcd_model = Model(
    init=lambda: None,
    step=_etcd_step,
    read_only=_etcd_read_only,
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


def _kv_read_only(state: Any, inp: KvInput, out: KvOutput) -> bool:
    return inp.op == 0


kv_model = Model(
    partition=_kv_partition,
    partition_event=_kv_partition_events,
    init=lambda: "",
    step=_kv_step,
    read_only=_kv_read_only,
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

    return Model(init=lambda: ("",) * len(keys), step=step, read_only=_kv_read_only,
                 describe_operation=_kv_describe, describe_state=describe_state)


# --- the labs' versioned key/value service (models1.kv): what kvtest1 dumps ---------------
#
# One JSON object per line and operation, in any order:
#   {"client": 3, "call": 0, "return": 1500, "op": "put", "key": "k", "value": "x", "version": 2, "err": "OK"}
# For a put, value and version are its arguments; for a get, what it read. Times are ints
# (ns; kvtest1 shifts them to start at 0, which changes nothing); "return": null is a call
# that never returned. models1 is imported lazily: it imports porcupine itself.


def _lab_kv_record(op: Operation, t0: int) -> dict[str, Any]:
    inp, out = op.input, op.output
    ret = None if op.return_time == NEVER_RETURNED else op.return_time - t0
    rec: dict[str, Any] = {"client": op.client_id, "call": op.call - t0, "return": ret,
                           "op": "get" if inp.op == 0 else "put", "key": inp.key}
    if inp.op == 0:
        rec.update(value=out.value, version=out.version)
    else:
        rec.update(value=inp.value, version=inp.version)
    rec["err"] = out.err
    return rec


def write_lab_kv(path: str | os.PathLike[str], history: Iterable[Operation]) -> None:
    """Write a history of models1.kv operations in the lab-kv format, times shifted to 0."""
    ops = list(history)
    t0 = min((op.call for op in ops), default=0)
    with open(path, "w", encoding="utf-8") as f:
        for op in ops:
            f.write(json.dumps(_lab_kv_record(op, t0), separators=(",", ":")) + "\n")


def _lab_kv_operation(path: str, line_no: int, line: str) -> Operation:
    from models1.kv import GET, PUT, KvInput as LabIn, KvOutput as LabOut

    try:
        rec = json.loads(line)
        call, ret, op, err = rec["call"], rec["return"], rec["op"], rec["err"]
        key, value, version, client = rec["key"], rec["value"], rec["version"], rec["client"]
    except (ValueError, KeyError, TypeError) as e:
        raise ParseError(path, line_no, f"not a lab-kv record ({e})", line) from None
    if op not in ("get", "put") or not isinstance(call, int) or not (ret is None or isinstance(ret, int)):
        raise ParseError(path, line_no, "a record needs op get/put and integer call/return times", line)
    ret = NEVER_RETURNED if ret is None else ret
    if op == "get":
        return Operation(client, LabIn(GET, key), call, LabOut(value, version, err), ret)
    return Operation(client, LabIn(PUT, key, value, version), call, LabOut(err=err), ret)


def read_lab_kv(path: str | os.PathLike[str]) -> list[Operation]:
    """Read a lab-kv file (see :func:`write_lab_kv`) into models1.kv operations."""
    name = os.fspath(path)
    return [_lab_kv_operation(name, n, line) for n, line in _lines(path) if line.strip()]


def operations_to_events(history: list[Operation]) -> list[Event]:
    """The event history of an operation history, in the checker's order (calls first on
    ties, as the closed intervals require), so both check alike."""
    return [Event(e.client_id, CALL_EVENT if e.is_call else RETURN_EVENT, e.value, e.id, e.metadata)
            for e in make_entries(history)]


def _lab_kv_model(_: list[Event]) -> Model:
    from models1.kv import kv_model as lab_model

    return dataclasses.replace(lab_model, partition_event=_kv_partition_events)


def _lab_kv_whole_model(events: list[Event]) -> Model:
    """The history checked as a whole: the state is a tuple of one models1 state per key."""
    from models1.kv import kv_model as lab_model

    index = {k: i for i, k in enumerate(sorted(set(_kv_keys(events))))}
    key_step = lab_model.step

    def step(state: tuple[Any, ...], inp: Any, out: Any) -> tuple[bool, tuple[Any, ...]]:
        i = index[inp.key]
        ok, new = key_step(state[i], inp, out)
        return ok, (state[:i] + (new,) + state[i + 1:] if ok else state)

    def describe_state(state: tuple[Any, ...]) -> str:
        return "{" + ", ".join(f"'{k}': {lab_model.describe_state(state[i])}" for k, i in index.items()) + "}"

    init = lab_model.init()
    def read_only(state: tuple[Any, ...], inp: Any, out: Any) -> bool:
        return lab_model.read_only(state[index[inp.key]], inp, out)  # type: ignore[misc]

    return Model(init=lambda: (init,) * len(index), step=step, read_only=read_only,
                 describe_operation=lab_model.describe_operation, describe_state=describe_state)


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
    "lab-kv": Format(lambda p: operations_to_events(read_lab_kv(p)), _lab_kv_model, _lab_kv_whole_model),
}
