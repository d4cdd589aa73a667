"""Unit tests of the checker on small hand-made histories."""

from __future__ import annotations

import dataclasses
import itertools
import random
import time
from dataclasses import dataclass

import pytest

from porcupine import (
    CALL_EVENT,
    NEVER_RETURNED,
    RETURN_EVENT,
    Annotation,
    CheckResult,
    Event,
    LinearizationInfo,
    Model,
    Operation,
    check_events,
    check_events_verbose,
    check_operations,
    check_operations_verbose,
)

OK, ILLEGAL, UNKNOWN = CheckResult.OK, CheckResult.ILLEGAL, CheckResult.UNKNOWN


@dataclass(frozen=True)
class RegIn:
    put: bool
    value: int = 0


def _reg_step(state: int, inp: RegIn, out: int) -> tuple[bool, int]:
    if inp.put:
        return True, inp.value
    return out == state, state


register = Model(
    init=lambda: 0,
    step=_reg_step,
    describe_operation=lambda i, o: f"put({i.value})" if i.put else f"get() -> {o}",
)


def put(client: int, value: int, call: int, ret: float) -> Operation:
    return Operation(client, RegIn(True, value), call, None, ret)


def get(client: int, value: int, call: int, ret: float) -> Operation:
    return Operation(client, RegIn(False), call, value, ret)


# --- the register examples of Go's TestRegisterModel (6.824 2017 quiz 2) --------------------


def test_register_linearizable():
    ops = [put(0, 100, 0, 100), get(1, 100, 25, 75), get(2, 0, 30, 60)]
    assert check_operations(register, ops) is OK


def test_register_not_linearizable():
    ops = [put(0, 200, 0, 100), get(1, 200, 10, 30), get(2, 0, 40, 90)]
    assert check_operations(register, ops) is ILLEGAL


def test_register_events():
    ok = [
        Event(0, CALL_EVENT, RegIn(True, 100), 0),
        Event(1, CALL_EVENT, RegIn(False), 1),
        Event(2, CALL_EVENT, RegIn(False), 2),
        Event(2, RETURN_EVENT, 0, 2),
        Event(1, RETURN_EVENT, 100, 1),
        Event(0, RETURN_EVENT, None, 0),
    ]
    assert check_events(register, ok) is OK
    bad = [
        Event(0, CALL_EVENT, RegIn(True, 200), "a"),
        Event(1, CALL_EVENT, RegIn(False), "b"),
        Event(1, RETURN_EVENT, 200, "b"),
        Event(2, CALL_EVENT, RegIn(False), "c"),
        Event(2, RETURN_EVENT, 0, "c"),
        Event(0, RETURN_EVENT, None, "a"),
    ]
    assert check_events(register, bad) is ILLEGAL
    result, info = check_events_verbose(register, bad)
    assert result is ILLEGAL and info.partition_results == [ILLEGAL]


def test_zero_duration_operations_are_closed_intervals():
    ops = [put(0, 100, 0, 100), get(1, 100, 25, 75), get(2, 0, 30, 30), get(3, 0, 30, 30)]
    assert check_operations(register, ops) is OK
    ops = [put(0, 200, 0, 100), get(1, 200, 10, 10), get(2, 200, 10, 10), get(3, 0, 40, 90)]
    assert check_operations(register, ops) is ILLEGAL
    # touching intervals are concurrent: the get may come before the put
    assert check_operations(register, [put(0, 1, 0, 10), get(1, 0, 10, 20)]) is OK
    assert check_operations(register, [put(0, 1, 0, 10), get(1, 0, 11, 20)]) is ILLEGAL


def test_sequential_and_concurrent():
    seq = [put(0, 1, 0, 1), get(0, 1, 2, 3), put(0, 2, 4, 5), get(0, 2, 6, 7)]
    assert check_operations(register, seq) is OK
    assert check_operations(register, seq[:3] + [get(0, 1, 6, 7)]) is ILLEGAL
    # two concurrent puts: readers may see them in either order, but not flip back
    conc = [put(0, 1, 0, 10), put(1, 2, 0, 10), get(2, 2, 11, 12), get(3, 2, 13, 14)]
    assert check_operations(register, conc) is OK
    assert check_operations(register, conc[:2] + [get(2, 1, 11, 12), get(3, 1, 13, 14)]) is OK
    assert check_operations(register, conc[:2] + [get(2, 1, 11, 12), get(3, 2, 13, 14)]) is ILLEGAL
    # a read overlapping a put may see the old or new value
    assert check_operations(register, [put(0, 5, 0, 10), get(1, 0, 2, 3), get(2, 5, 4, 5)]) is OK
    assert check_operations(register, [put(0, 5, 0, 10), get(1, 5, 2, 3), get(2, 0, 4, 5)]) is ILLEGAL


def test_empty_history():
    assert check_operations(register, []) is OK
    result, info = check_operations_verbose(register, [])
    assert result is OK and info.partial_linearizations == [[]]
    assert check_events(register, []) is OK


def test_call_that_never_returns():
    # a put whose outcome is unknown may take effect at any time after its call...
    pending = put(0, 7, 5, NEVER_RETURNED)
    assert check_operations(register, [pending, get(1, 0, 6, 7), get(1, 7, 100, 101)]) is OK
    assert check_operations(register, [pending, get(1, 0, 1000, 1001)]) is OK  # ...or never be seen
    # ...but not before it was called
    assert check_operations(register, [get(1, 7, 0, 1), pending]) is ILLEGAL
    # once seen it stays
    assert check_operations(register, [pending, get(1, 7, 6, 7), get(1, 0, 8, 9)]) is ILLEGAL
    result, info = check_operations_verbose(register, [pending, get(1, 7, 6, 7)])
    assert result is OK and sorted(info.partial_linearizations[0][0]) == [0, 1]


def test_operation_returning_before_its_call_is_rejected():
    with pytest.raises(ValueError, match="returns before it is called"):
        check_operations(register, [put(0, 1, 10, 5)])
    with pytest.raises(ValueError, match="NEVER_RETURNED"):
        check_operations(register, [put(0, 1, 10, None)])


def test_events_must_pair():
    with pytest.raises(ValueError, match="before any call"):
        check_events(register, [Event(0, RETURN_EVENT, 0, 1)])
    with pytest.raises(ValueError, match="never return"):
        check_events(register, [Event(0, CALL_EVENT, RegIn(False), 1)])
    with pytest.raises(ValueError, match="second call"):
        check_events(register, [Event(0, CALL_EVENT, RegIn(False), 1)] * 2)


# --- partitions, timeouts, verbose info ---------------------------------------------------


@dataclass(frozen=True)
class KeyIn:
    key: str
    put: bool
    value: str = ""


def _key_partition(history):
    by_key = {}
    for op in history:
        by_key.setdefault(op.input.key, []).append(op)
    return [by_key[k] for k in sorted(by_key)]


def _append_step(state: str, inp: KeyIn, out):
    """Puts append to the value, so every order of concurrent puts gives a different state
    and the search cannot prune: n concurrent puts cost n! orders."""
    if inp.put:
        return True, state + inp.value
    return out == state, state


appends = Model(partition=_key_partition, init=lambda: "", step=_append_step)


def _hard_key(key: str, n: int) -> list[Operation]:
    """n concurrent appends and a read of a value no order produces: not linearizable, but
    proving it takes n! steps."""
    ops = [Operation(i, KeyIn(key, True, chr(65 + i)), 0, None, 100) for i in range(n)]
    return ops + [Operation(n, KeyIn(key, False), 101, "nope", 102)]


def test_timeout_gives_unknown():
    start = time.monotonic()
    result = check_operations(appends, _hard_key("k", 12), timeout=0.2)
    assert result is UNKNOWN
    assert time.monotonic() - start < 2
    result, info = check_operations_verbose(appends, _hard_key("k", 12), timeout=0.2)
    assert result is UNKNOWN and info.partition_results == [UNKNOWN]
    assert info.partial_linearizations[0]  # what was found so far


def test_illegal_partition_found_beside_a_hard_one():
    # The hard partition comes first; partitions take turns, so the easy illegal one is seen.
    history = _hard_key("a", 12) + [Operation(0, KeyIn("b", False), 0, "x", 1)]
    start = time.monotonic()
    assert check_operations(appends, history, timeout=5) is ILLEGAL
    assert time.monotonic() - start < 1
    result, info = check_operations_verbose(appends, history, timeout=0.3)
    assert result is ILLEGAL
    assert info.partition_results == [UNKNOWN, ILLEGAL]


def test_no_timeout_means_no_limit():
    history = _hard_key("k", 5)
    assert check_operations(appends, history, timeout=None) is ILLEGAL
    assert check_operations(appends, history, timeout=0) is ILLEGAL


def test_partitions_are_checked_independently():
    history = [
        Operation(0, KeyIn("x", True, "1"), 0, None, 10),
        Operation(1, KeyIn("y", False), 0, "", 5),
        Operation(1, KeyIn("x", False), 11, "1", 12),
        Operation(0, KeyIn("y", True, "2"), 6, None, 7),
        Operation(0, KeyIn("y", False), 8, "2", 9),
    ]
    result, info = check_operations_verbose(appends, history)
    assert result is OK
    assert [len(h) // 2 for h in info.history] == [2, 3]
    assert [len(p[0]) for p in info.partial_linearizations] == [2, 3]
    assert info.partition_results == [OK, OK]


def test_verbose_partial_linearizations():
    ops = [put(0, 1, 0, 10), get(1, 1, 11, 12), put(0, 2, 13, 14), get(1, 1, 15, 16)]
    result, info = check_operations_verbose(register, ops)
    assert result is ILLEGAL
    assert info.partial_linearizations == [[[0, 1, 2]]]
    as_ops = info.partial_linearizations_operations()
    assert as_ops[0][0][1].output == 1 and as_ops[0][0][2].input == RegIn(True, 2)
    # a linearizable history has one complete linearization, in a legal order
    ops = [put(0, 1, 0, 10), put(1, 2, 0, 10), get(2, 1, 11, 12)]
    result, info = check_operations_verbose(register, ops)
    assert result is OK
    (only,) = info.partial_linearizations[0]
    assert sorted(only) == [0, 1, 2] and only.index(0) > only.index(1)


def test_add_annotations_makes_points_of_early_ends():
    info = LinearizationInfo()
    info.add_annotations([Annotation(tag="t", start=10, end=0, description="p"), Annotation(tag="t", start=1, end=5)])
    assert [(a.start, a.end) for a in info.annotations] == [(10, 10), (1, 5)]


# --- models with their own equality, hash, or unhashable states --------------------------


def _dict_step(state: dict, inp: RegIn, out):
    if inp.put:
        return True, {"v": inp.value}
    return out == state["v"], state


def test_unhashable_states_without_hash():
    model = Model(init=lambda: {"v": 0}, step=_dict_step)
    assert check_operations(model, [put(0, 1, 0, 10), put(1, 2, 0, 10), get(2, 1, 11, 12)]) is OK
    assert check_operations(model, [put(0, 1, 0, 1), get(2, 0, 2, 3)]) is ILLEGAL


def test_custom_equal_and_hash_are_used():
    calls = {"equal": 0, "hash": 0}

    def equal(a, b):
        calls["equal"] += 1
        return a["v"] == b["v"]

    def hash_(s):
        calls["hash"] += 1
        return hash(s["v"])

    model = Model(init=lambda: {"v": 0}, step=_dict_step, equal=equal, hash=hash_)
    # Three concurrent identical puts reach equal states by different orders: cache hits.
    ops = [put(i, 1, 0, 10) for i in range(3)] + [get(3, 1, 11, 12)]
    assert check_operations(model, ops) is OK
    assert check_operations(model, ops[:3] + [get(3, 2, 11, 12)]) is ILLEGAL
    assert calls["hash"] > 0 and calls["equal"] > 0


def test_state_turning_unhashable_is_a_clear_error():
    model = Model(init=lambda: 0, step=lambda s, i, o: (True, [s]))
    with pytest.raises(TypeError, match="unhashable"):
        check_operations(model, [put(0, 1, 0, 1)])


def test_model_defaults():
    m = Model(init=lambda: 0, step=_reg_step)
    assert m.describe_operation(1, 2) == "1 -> 2"
    assert m.describe_state((1,)) == "(1,)"
    assert m.describe_operation_metadata(None) == ""
    assert m.split_operations([put(0, 1, 0, 1)]) == [[put(0, 1, 0, 1)]]
    with pytest.raises(TypeError):
        Model(step=_reg_step)  # init is required


# --- read-only operations are linearized at once (Model.read_only) -------------------------


@dataclass(frozen=True)
class VerIn:
    """A get, or a put that takes effect iff ``version`` is the register's version."""

    put: bool
    value: str = ""
    version: int = 0


def _ver_step(state: tuple[str, int], inp: VerIn, out: str) -> tuple[bool, tuple[str, int]]:
    value, version = state
    if not inp.put:
        return out == value, state
    if inp.version == version:
        return out in ("ok", "maybe"), (inp.value, version + 1)
    return out in ("refused", "maybe"), state


def _ver_read_only(state: tuple[str, int], inp: VerIn, out: str) -> bool:
    """Versions only grow, so a put behind the current version never takes effect again."""
    return not inp.put or out == "refused" or inp.version < state[1]


versioned = Model(init=lambda: ("", 0), step=_ver_step, read_only=_ver_read_only)
unforced = dataclasses.replace(versioned, read_only=None)
# What a hint that only looks at the current step would do: force every identity step.
naive = dataclasses.replace(versioned, read_only=lambda state, inp, out: True)


def vput(client: int, value: str, version: int, out: str, call: int, ret: float) -> Operation:
    return Operation(client, VerIn(True, value, version), call, out, ret)


def vget(client: int, value: str, call: int, ret: float) -> Operation:
    return Operation(client, VerIn(False), call, value, ret)


def test_an_identity_step_now_is_not_read_only():
    # put b (version 1, maybe) changes nothing in the initial state, but must take effect
    # after put a for the get to read b: forcing it first would wrongly find no order.
    ops = [vput(0, "a", 0, "ok", 0, 10), vput(1, "b", 1, "maybe", 0, 10), vget(2, "b", 20, 30)]
    assert check_operations(versioned, ops) is OK
    assert check_operations(unforced, ops) is OK
    assert check_operations(naive, ops) is ILLEGAL  # why read_only must hold from the state on


def test_only_identity_steps_are_forced():
    # put a is the first legal candidate; committing to it would make the get of "" fail.
    # Even a hint claiming everything is read-only only forces steps that change nothing.
    ops = [vput(0, "a", 0, "ok", 0, 10), vget(1, "", 5, 6), vget(1, "a", 20, 21)]
    for model in (versioned, unforced, naive):
        assert check_operations(model, ops) is OK
    assert check_operations(versioned, ops[:2] + [vget(1, "", 20, 21)]) is ILLEGAL


def test_forced_search_keeps_partial_linearizations():
    ops = [vput(0, "a", 0, "ok", 0, 10), vput(1, "b", 1, "maybe", 0, 10), vget(2, "b", 20, 30),
           vget(2, "a", 40, 50)]
    for model in (versioned, unforced):
        result, info = check_operations_verbose(model, ops)
        assert result is ILLEGAL
        assert info.partial_linearizations == [[[0, 1, 2]]]


def _random_versioned(rnd: random.Random, n: int) -> list[Operation]:
    ops = []
    for i in range(n):
        call = rnd.randrange(20)
        ret = call + rnd.randrange(8)
        if rnd.random() < 0.4:
            ops.append(vget(i % 3, rnd.choice(["", "v0", "v1", "v2"]), call, ret))
        else:
            ops.append(vput(i % 3, f"v{i}", rnd.randrange(3), rnd.choice(["ok", "refused", "maybe"]), call, ret))
    return ops


def _brute_force(model: Model, ops: list[Operation]) -> CheckResult:
    for order in itertools.permutations(ops):
        if any(later.return_time < earlier.call for k, earlier in enumerate(order) for later in order[k + 1:]):
            continue
        state = model.init()
        for op in order:
            ok, state = model.step(state, op.input, op.output)
            if not ok:
                break
        else:
            return OK
    return ILLEGAL


def test_forcing_agrees_with_brute_force():
    """Random small histories: forcing changes no verdict, also with the model's own equal and
    hash (states wrapped), and partial linearizations stay legal orders."""
    keyed = dataclasses.replace(versioned, equal=lambda a, b: a == b, hash=hash)
    rnd = random.Random(7)
    verdicts = set()
    for _ in range(300):
        ops = _random_versioned(rnd, rnd.randrange(1, 7))
        expected = _brute_force(versioned, ops)
        verdicts.add(expected)
        assert check_operations(versioned, ops) is expected, ops
        assert check_operations(keyed, ops) is expected, ops
        result, info = check_operations_verbose(versioned, ops)
        assert result is expected
        for seq in info.partial_linearizations[0]:
            state = versioned.init()
            for k, i in enumerate(seq):
                ok, state = versioned.step(state, ops[i].input, ops[i].output)
                assert ok and not any(ops[j].return_time < ops[i].call for j in seq[k + 1:])
    assert verdicts == {OK, ILLEGAL}
