"""The Go labgob self-tests, ported, plus the bad inputs of the Python port."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

import labgob
from labgob import LabDecoder, LabEncoder, LabgobError


@labgob.register
@dataclass
class T1:
    t1int0: int = 0
    t1int1: int = 0
    t1string0: str = ""
    t1string1: str = ""


@labgob.register
@dataclass
class T2:
    t2slice: list[T1] = field(default_factory=list)
    t2map: dict[int, T1] = field(default_factory=dict)
    t2t3: Any = None


@labgob.register
@dataclass
class T3:
    t3int999: int = 0


def test_gob():
    """labgob round-trips the values gob does, with no errors reported."""
    e0 = labgob.error_count()
    t1 = T1(t1int1=1, t1string1="6.5840")
    t2 = T2(t2slice=[T1(), t1], t2map={99: T1(1, 2, "x", "y")}, t2t3=T3(999))
    e = LabEncoder()
    e.encode(0)
    e.encode(1)
    e.encode(t1)
    e.encode(t2)
    data = e.getvalue()

    d = LabDecoder(data)
    x0, x1, r1, r2 = d.decode(), d.decode(), d.decode(), d.decode()
    assert x0 == 0, f"wrong x0 {x0}"
    assert x1 == 1, f"wrong x1 {x1}"
    assert r1.t1int0 == 0, f"wrong t1.T1int0 {r1.t1int0}"
    assert r1.t1int1 == 1, f"wrong t1.T1int1 {r1.t1int1}"
    assert r1.t1string0 == "", f"wrong t1.T1string0 {r1.t1string0}"
    assert r1.t1string1 == "6.5840", f"wrong t1.T1string1 {r1.t1string1}"
    assert len(r2.t2slice) == 2, f"wrong t2.T2slice len {len(r2.t2slice)}"
    assert r2.t2slice[1].t1int1 == 1, "wrong slice value"
    assert len(r2.t2map) == 1, f"wrong t2.T2map len {len(r2.t2map)}"
    assert r2.t2map[99].t1string1 == "y", "wrong map value"
    assert isinstance(r2.t2t3, T3) and r2.t2t3.t3int999 == 999, "wrong t2.T2t3.T3int999"
    assert labgob.error_count() == e0, "there were errors, but should not have been"


@dataclass
class T4:
    yes: int = 0
    _no: int = 0  # Go's lower-case field: it will not travel


def test_capital():
    """A private field gets exactly one error, when the type is first checked."""
    e0 = labgob.error_count()
    labgob.register(T4)
    data = labgob.encode([{1: T4(yes=1, _no=2)}])
    v1 = labgob.decode(data)
    assert v1[0][1].yes == 1 and v1[0][1]._no == 0, "a private field travelled"
    labgob.encode(T4())  # checked once per type
    assert labgob.error_count() == e0 + 1, "failed to warn about private field"


def test_default():
    """Decoding into an object that holds non-default values is reported."""
    e0 = labgob.error_count()

    @labgob.register
    @dataclass
    class DD:
        x: int = 0

    data = labgob.encode(DD())  # send a default value...
    reply = DD(99)  # ...and receive it into memory that already holds a non-default value
    LabDecoder(data).decode_into(reply)
    assert reply.x == 0
    assert labgob.error_count() == e0 + 1, "failed to warn about decoding into non-default value"


# --- bad input: clear errors, and decoding never runs code -----------------------------------


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/labgob-pwned",))


def test_decoding_refuses_arbitrary_globals():
    payload = pickle.dumps(_Evil(), protocol=3)
    with pytest.raises(LabgobError, match=r"refusing to decode global (posix|os)\.system"):
        labgob.decode(payload)
    assert not os.path.exists("/tmp/labgob-pwned")


@dataclass
class Plain:
    x: int = 1


def test_decoding_refuses_unregistered_dataclass():
    payload = pickle.dumps(Plain(), protocol=3)
    with pytest.raises(LabgobError, match="refusing to decode global"):
        labgob.decode(payload)


def test_encoding_unregistered_type_names_it():
    @dataclass
    class NotRegistered:
        x: int = 1

    with pytest.raises(LabgobError, match=r"unregistered type .*NotRegistered.*labgob.register"):
        labgob.encode({"k": [NotRegistered()]})


def test_register_rejects_non_dataclass():
    class Plain:
        pass

    with pytest.raises(TypeError, match="not a dataclass"):
        labgob.register(Plain)
    with pytest.raises(TypeError, match="takes a class"):
        labgob.register(T3(1))  # type: ignore[arg-type]


def test_name_collision_is_an_error():
    @dataclass
    class A:
        x: int = 0

    @dataclass
    class B:
        x: int = 0

    labgob.register_name("collide.me", A)
    with pytest.raises(LabgobError, match="collides"):
        labgob.register_name("collide.me", B)


def test_truncated_and_corrupt_data():
    data = labgob.encode(T2(t2slice=[T1(1, 2, "a", "b")]))
    for cut in (1, len(data) // 2, len(data) - 1):
        with pytest.raises(LabgobError, match="truncated|corrupt"):
            labgob.decode(data[:cut])
    with pytest.raises(LabgobError, match="corrupt"):
        labgob.decode(b"\x80\x03\xff\xfe garbage")
    with pytest.raises(LabgobError, match="no more values"):
        labgob.decode(b"")
    with pytest.raises(TypeError, match="needs bytes"):
        LabDecoder("not bytes")  # type: ignore[arg-type]


def test_reading_past_the_end_of_a_stream():
    e = LabEncoder()
    e.encode(1)
    d = LabDecoder(e.getvalue())
    assert d.decode() == 1
    with pytest.raises(LabgobError, match="no more values"):
        d.decode()


def test_decode_into_wrong_type():
    with pytest.raises(LabgobError, match="decoded a T1 but the target is a T3"):
        LabDecoder(labgob.encode(T1())).decode_into(T3())


def test_builtins_travel_without_registration():
    value = [None, True, 3, -2**70, 1.5, "s", b"b", (1, 2), {"a": {1, 2}}, frozenset({3}), bytearray(b"x")]
    assert labgob.decode(labgob.encode(value)) == value


def test_subclass_of_builtin_is_not_silently_accepted():
    class MyStr(str):
        pass

    with pytest.raises(LabgobError, match="unregistered type .*MyStr"):
        labgob.encode(MyStr("x"))
