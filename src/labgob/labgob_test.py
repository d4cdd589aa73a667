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
    """Decoding into an object that holds non-default values is reported, and, as in gob,
    a field sent with its zero value leaves the stale value in place."""
    e0 = labgob.error_count()

    @labgob.register
    @dataclass
    class DD:
        x: int = 0

    data = labgob.encode(DD())  # send a default value...
    reply = DD(99)  # ...and receive it into memory that already holds a non-default value
    LabDecoder(data).decode_into(reply)
    assert reply.x == 99, "gob does not send a zero field, so the old value must survive"
    assert labgob.error_count() == e0 + 1, "failed to warn about decoding into non-default value"

    LabDecoder(labgob.encode(DD(7))).decode_into(reply)  # a non-zero value is sent and overwrites
    assert reply.x == 7
    assert labgob.error_count() == e0 + 2, "every decode into a non-default value is counted"


@labgob.register
@dataclass
class Inner:
    a: int = 0
    s: str = ""


@labgob.register
@dataclass
class Outer:
    n: int = 0
    ok: bool = False
    f: float = 0.0
    s: str = ""
    b: bytes = b""
    opt: Any = None
    items: list[Inner] = field(default_factory=list)
    ints: list[int] = field(default_factory=list)
    m: dict[str, int] = field(default_factory=dict)
    t: tuple = ()
    inner: Inner = field(default_factory=Inner)
    ptr: Inner | None = None


def _decode_into(sent: Any, target: Any) -> Any:
    LabDecoder(labgob.encode(sent)).decode_into(target)
    return target


def test_decode_into_keeps_gob_semantics_for_zero_fields():
    """Every zero value is left out; every non-zero value overwrites (the reused-reply bug)."""
    stale = dict(n=5, ok=True, f=2.5, s="old", b=b"old", opt="old", items=[Inner(1, "x")],
                 ints=[1, 2], m={"k": 1}, t=(1,), inner=Inner(3, "in"), ptr=Inner(4, "p"))
    got = _decode_into(Outer(), Outer(**stale))  # all zero on the sender: nothing changes
    assert got == Outer(**stale)

    sent = Outer(n=-1, ok=True, f=-0.5, s="new", b=b"n", opt=0, t=(2, 3), ptr=Inner(0, "q"))
    got = _decode_into(sent, Outer(**stale))
    assert (got.n, got.ok, got.f, got.s, got.b, got.t) == (-1, True, -0.5, "new", b"n", (2, 3))
    assert got.opt == 0, "an interface (Any) field holding 0 is non-nil, so gob sends it"
    assert got.ptr == Inner(4, "q"), "a nested struct is decoded into the old one: its zero a stays 4"
    assert got.items == [Inner(1, "x")] and got.ints == [1, 2] and got.m == {"k": 1}
    assert got.inner == Inner(3, "in")

    # a stale True survives a False (the reused RequestVoteReply of a student's Raft)
    got = _decode_into(Outer(n=7, ok=False), Outer(n=6, ok=True))
    assert (got.n, got.ok) == (7, True)


def test_decode_into_nested_dataclass():
    target = Outer(inner=Inner(3, "keep"), ptr=None)
    kept_inner = target.inner
    got = _decode_into(Outer(inner=Inner(a=9), ptr=Inner()), target)
    assert got.inner is kept_inner, "gob decodes into the existing nested struct"
    assert got.inner == Inner(9, "keep"), "its zero field keeps the stale value, its non-zero one is overwritten"
    assert got.ptr == Inner(), "into a None (nil pointer) a new struct arrives, even an all-zero one"


def test_decode_into_lists_and_dicts():
    # a list at least as long is reused: cut to length, elements decoded into the old ones
    got = _decode_into(Outer(items=[Inner(a=8)], ints=[0]),
                       Outer(items=[Inner(1, "x"), Inner(2, "y")], ints=[5, 6]))
    assert got.items == [Inner(8, "x")], "a struct element keeps its stale zero-sent fields"
    assert got.ints == [0], "other elements are always sent, zero or not"
    # a longer list replaces the old one
    got = _decode_into(Outer(items=[Inner(a=8), Inner(a=9)]), Outer(items=[Inner(1, "x")]))
    assert got.items == [Inner(8, ""), Inner(9, "")]
    # a dict is merged into the old dict: old keys stay, sent keys win
    got = _decode_into(Outer(m={"b": 2, "c": 0}), Outer(m={"a": 1, "b": 1}))
    assert got.m == {"a": 1, "b": 2, "c": 0}


def test_decode_is_unaffected_and_fresh_targets_get_what_was_sent():
    e0 = labgob.error_count()
    sent = Outer(n=3, s="x", items=[Inner(), Inner(1)], inner=Inner(0, "i"), opt=Inner())
    assert labgob.decode(labgob.encode(sent)) == sent
    assert _decode_into(sent, Outer()) == sent
    assert _decode_into(Outer(), Outer()) == Outer()
    assert labgob.error_count() == e0, "a fresh (all-zero) target is not warned about"


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
