"""Readers for the two recorded-history formats of the test corpus (Jepsen etcd logs and
Jepsen key/value EDN logs), producing event histories.

Both readers pair each return with the open call of the same process. A call whose outcome
is unknown (``:info``, or still open at the end of the file) gets a return with an unknown
output after everything else. Anything that looks like an event but cannot be read raises
:class:`ParseError` naming the file and line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from porcupine.model import CALL_EVENT, RETURN_EVENT, Event


class ParseError(ValueError):
    """A line of a history file could not be read."""

    def __init__(self, path: str, line_no: int, reason: str, line: str = "") -> None:
        self.path = path
        self.line_no = line_no
        self.reason = reason
        self.line = line
        text = f"{path}:{line_no}: {reason}"
        if line:
            text += f": {line.strip()!r}"
        super().__init__(text)


# --- values carried by the events --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EtcdInput:
    """op 0 read, 1 write(arg1), 2 cas(arg1 -> arg2)."""

    op: int
    arg1: int = 0
    arg2: int = 0


@dataclass(frozen=True, slots=True)
class EtcdOutput:
    """``ok`` for a cas, ``exists``/``value`` for a read; ``unknown`` when it timed out."""

    ok: bool = False
    exists: bool = False
    value: int = 0
    unknown: bool = False


@dataclass(frozen=True, slots=True)
class KvInput:
    """op 0 get, 1 put, 2 append."""

    op: int
    key: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class KvOutput:
    """The value a get read; ``unknown`` when the call never returned."""

    value: str = ""
    unknown: bool = False


# --- shared pairing of calls and returns -------------------------------------------------


class _Pairing:
    """Turns per-process invoke/complete records into events with matching ids."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.events: list[Event] = []
        self.open: dict[int, int] = {}  # process -> id of its open call
        self.call_index: dict[int, int] = {}  # id -> position of its call event
        self.next_id = 0

    def call(self, line_no: int, line: str, proc: int, value: object) -> None:
        if proc in self.open:
            raise ParseError(self.path, line_no, f"process {proc} invokes while its previous call is open", line)
        self.open[proc] = self.next_id
        self.call_index[self.next_id] = len(self.events)
        self.events.append(Event(proc, CALL_EVENT, value, self.next_id))
        self.next_id += 1

    def ret(self, line_no: int, line: str, proc: int, value: object) -> None:
        self.events.append(Event(proc, RETURN_EVENT, value, self._close(line_no, line, proc)))

    def leave_open(self, line_no: int, line: str, proc: int) -> None:
        """Outcome unknown: the call stays open and returns at the end."""
        if proc not in self.open:
            raise ParseError(self.path, line_no, f"process {proc} has no open call", line)

    def drop(self, line_no: int, line: str, proc: int) -> None:
        """The call definitely did not take effect: remove it from the history."""
        op_id = self._close(line_no, line, proc)
        self.events[self.call_index.pop(op_id)] = None  # type: ignore[call-overload]

    def _close(self, line_no: int, line: str, proc: int) -> int:
        if proc not in self.open:
            raise ParseError(self.path, line_no, f"process {proc} completes a call it never invoked", line)
        return self.open.pop(proc)

    def finish(self, unknown_output: Callable[[], object]) -> list[Event]:
        for proc, op_id in self.open.items():
            self.events.append(Event(proc, RETURN_EVENT, unknown_output(), op_id))
        return [e for e in self.events if e is not None]


def _lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8") as f:
            yield from enumerate(f, 1)
    except UnicodeDecodeError as e:
        raise ParseError(os.fspath(path), 0, f"not UTF-8 text ({e.reason})") from None


# --- Jepsen etcd logs --------------------------------------------------------------------

# Lines from jepsen.util that carry an event; everything else in the log is ignored.
_ETCD_EVENT = re.compile(r"^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(\S+)\s+:(\S+)\s*(.*?)\s*$")
_ETCD_CAS_ARG = re.compile(r"^\[(-?\d+)\s+(-?\d+)\]$")
_INT = re.compile(r"^-?\d+$")


def parse_jepsen_etcd(path: str | os.PathLike[str]) -> list[Event]:
    """Read a Jepsen etcd log (a register with read, write and cas) into events."""
    name = os.fspath(path)
    pairing = _Pairing(name)
    for line_no, line in _lines(path):
        m = _ETCD_EVENT.match(line)
        if m is None:
            if re.match(r"^INFO\s+jepsen\.util\s+-\s+\d+\s+:", line):
                raise ParseError(name, line_no, "malformed event", line)
            continue
        proc, kind, op, arg = int(m[1]), m[2], m[3], m[4]
        if kind == "info":
            pairing.leave_open(line_no, line, proc)
        elif kind == "invoke":
            pairing.call(line_no, line, proc, _etcd_input(name, line_no, line, op, arg))
        elif kind in ("ok", "fail"):
            pairing.ret(line_no, line, proc, _etcd_output(name, line_no, line, kind, op, arg))
        else:
            raise ParseError(name, line_no, f"unknown event type :{kind}", line)
    return pairing.finish(lambda: EtcdOutput(unknown=True))


def _etcd_input(path: str, line_no: int, line: str, op: str, arg: str) -> EtcdInput:
    if op == "read" and arg == "nil":
        return EtcdInput(0)
    if op == "write" and _INT.match(arg):
        return EtcdInput(1, int(arg))
    cas = _ETCD_CAS_ARG.match(arg)
    if op == "cas" and cas:
        return EtcdInput(2, int(cas[1]), int(cas[2]))
    raise ParseError(path, line_no, f"cannot read the invocation of :{op}", line)


def _etcd_output(path: str, line_no: int, line: str, kind: str, op: str, arg: str) -> EtcdOutput:
    if op == "read":
        if kind == "fail" and arg == ":timed-out":
            return EtcdOutput(unknown=True)
        if kind == "ok" and arg == "nil":
            return EtcdOutput(exists=False)
        if kind == "ok" and _INT.match(arg):
            return EtcdOutput(exists=True, value=int(arg))
    elif op == "write" and kind == "ok" and _INT.match(arg):
        return EtcdOutput()
    elif op == "cas" and _ETCD_CAS_ARG.match(arg):
        return EtcdOutput(ok=kind == "ok")
    raise ParseError(path, line_no, f"cannot read the :{kind} completion of :{op}", line)


# --- Jepsen key/value EDN logs -----------------------------------------------------------

_EDN_STRING = r'"(?:[^"\\]|\\.)*"'
_EDN_PAIR = re.compile(r"\s*:([\w.*+!?/-]+)\s+(nil|-?\d+|" + _EDN_STRING + r"|:[\w.*+!?/-]+)\s*(?:,|\Z)")
_EDN_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def _edn_map(text: str) -> dict[str, object] | None:
    """A flat EDN map of keywords to nil, ints, keywords and strings; None if it is not one."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    body = text[1:-1].strip()
    pos, result = 0, {}
    while pos < len(body):
        m = _EDN_PAIR.match(body, pos)
        if m is None:
            return None
        result[m[1]] = _edn_value(m[2])
        pos = m.end()
    return result


def _edn_value(token: str) -> object:
    if token == "nil":
        return None
    if token.startswith('"'):
        return re.sub(r"\\(.)", lambda m: _EDN_ESCAPES.get(m[1], m[1]), token[1:-1])
    if token.startswith(":"):
        return token  # keywords keep their colon
    return int(token)


_KV_OPS = {":get": 0, ":put": 1, ":append": 2}


def parse_jepsen_kv(path: str | os.PathLike[str]) -> list[Event]:
    """Read a Jepsen key/value log (get, put, append on string keys) into events.

    ``:fail`` means the operation did not happen (it is dropped); ``:info`` means its outcome
    is unknown.
    """
    name = os.fspath(path)
    pairing = _Pairing(name)
    for line_no, line in _lines(path):
        if not line.strip():
            continue
        ev = _edn_map(line)
        if ev is None:
            raise ParseError(name, line_no, "not an EDN map of an event", line)
        proc, kind, fn, key, value = (ev.get(k) for k in ("process", "type", "f", "key", "value"))
        if not isinstance(proc, int) or fn not in _KV_OPS or not isinstance(key, str):
            raise ParseError(name, line_no, "an event needs :process, :f (:get, :put or :append) and :key", line)
        op = _KV_OPS[fn]  # type: ignore[index]
        if kind == ":invoke":
            if op != 0 and not isinstance(value, str):
                raise ParseError(name, line_no, f"{fn} needs a string :value", line)
            pairing.call(line_no, line, proc, KvInput(op, key, value if op != 0 else ""))  # type: ignore[arg-type]
        elif kind == ":ok":
            if op == 0 and not isinstance(value, str):
                raise ParseError(name, line_no, "a completed :get needs the string :value it read", line)
            pairing.ret(line_no, line, proc, KvOutput(value if op == 0 else ""))  # type: ignore[arg-type]
        elif kind == ":fail":
            pairing.drop(line_no, line, proc)
        elif kind == ":info":
            pairing.leave_open(line_no, line, proc)
        else:
            raise ParseError(name, line_no, f"unknown :type {kind}", line)
    return pairing.finish(lambda: KvOutput(unknown=True))
