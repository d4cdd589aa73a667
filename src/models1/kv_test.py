"""The labs' key/value model (Go: models1.KvModel)."""

from __future__ import annotations

import dataclasses

import pytest

from models1 import KvInput, KvOutput, KvState, kv_model
from porcupine import CheckResult, Operation, check_operations, check_operations_verbose, visualize

OK, ILLEGAL = CheckResult.OK, CheckResult.ILLEGAL


def get(client, key, call, ret, value, version=0, err="OK"):
    return Operation(client, KvInput(0, key), call, KvOutput(value, version, err), ret)


def put(client, key, value, version, call, ret, err="OK"):
    return Operation(client, KvInput(1, key, value, version), call, KvOutput(err=err), ret)


def test_values_are_frozen_and_hashable():
    for v in (KvInput(1, "k", "v", 3), KvOutput("v", 1, "OK"), KvState("v", 1)):
        hash(v)
        with pytest.raises(dataclasses.FrozenInstanceError):
            v.value = "x"  # type: ignore[misc]
    assert KvState("a", 1) == KvState("a", 1)
    assert kv_model.init() == KvState("", 0)


def test_step():
    step = kv_model.step
    s0 = KvState("", 0)
    assert step(s0, KvInput(0, "k"), KvOutput("", 0, "ErrNoKey")) == (True, s0)  # a missing key reads ""
    assert step(s0, KvInput(0, "k"), KvOutput("x", 0, "OK"))[0] is False
    # get compares only the value, not version or err
    assert step(KvState("x", 4), KvInput(0, "k"), KvOutput("x", 99, "whatever")) == (True, KvState("x", 4))
    # put with the right version bumps it, and must report OK or ErrMaybe
    assert step(s0, KvInput(1, "k", "x", 0), KvOutput(err="OK")) == (True, KvState("x", 1))
    assert step(s0, KvInput(1, "k", "x", 0), KvOutput(err="ErrMaybe")) == (True, KvState("x", 1))
    assert step(s0, KvInput(1, "k", "x", 0), KvOutput(err="ErrVersion")) == (False, KvState("x", 1))
    # put with a wrong version changes nothing, and must report ErrVersion or ErrMaybe
    s1 = KvState("x", 1)
    assert step(s1, KvInput(1, "k", "y", 0), KvOutput(err="ErrVersion")) == (True, s1)
    assert step(s1, KvInput(1, "k", "y", 0), KvOutput(err="ErrMaybe")) == (True, s1)
    assert step(s1, KvInput(1, "k", "y", 0), KvOutput(err="OK")) == (False, s1)
    assert step(s1, KvInput(7, "k"), KvOutput()) == (False, "<invalid>")


def test_describe_as_go():
    assert kv_model.describe_operation(KvInput(0, "k"), KvOutput("v", 3, "OK")) == "get('k') -> ('v', '3', 'OK')"
    assert kv_model.describe_operation(KvInput(1, "k", "v", 2), KvOutput(err="ErrMaybe")) == "put('k', 'v', '2') -> ('ErrMaybe')"
    assert kv_model.describe_operation(KvInput(5, "k"), KvOutput()) == "<invalid>"
    assert kv_model.describe_state(KvState("v", 2)) == "{v 2}"
    assert kv_model.describe_state(KvState("", 0)) == "{ 0}"


def test_partition_by_sorted_key():
    ops = [put(0, "b", "1", 0, 0, 1), put(0, "a", "1", 0, 2, 3), get(0, "b", 4, 5, "1", 1)]
    parts = kv_model.partition(ops)
    assert [[op.input.key for op in p] for p in parts] == [["a"], ["b", "b"]]


def test_missing_key_reads_empty():
    assert check_operations(kv_model, [get(0, "k", 0, 1, "", 0, "ErrNoKey")]) is OK
    assert check_operations(kv_model, [get(0, "k", 0, 1, "x", 1, "OK")]) is ILLEGAL


def test_err_maybe_applied():
    # a put that reported ErrMaybe but did happen: the later get sees it, and a put with the
    # next version succeeds
    ops = [put(0, "k", "a", 0, 0, 10, err="ErrMaybe"), get(1, "k", 11, 12, "a", 1),
           put(1, "k", "b", 1, 13, 14), get(0, "k", 15, 16, "b", 2)]
    assert check_operations(kv_model, ops) is OK


def test_err_maybe_not_applied():
    # ErrMaybe that did not happen (its version was stale by then): legal either way
    ops = [put(0, "k", "a", 0, 0, 10), put(1, "k", "b", 0, 11, 20, err="ErrMaybe"),
           get(0, "k", 21, 22, "a", 1)]
    assert check_operations(kv_model, ops) is OK
    # ...but a plain OK for the stale version is illegal
    ops[1] = put(1, "k", "b", 0, 11, 20, err="OK")
    assert check_operations(kv_model, ops) is ILLEGAL


def test_err_maybe_cannot_explain_a_lost_write():
    # put(v0) OK, then a get that still reads "" after the put returned
    ops = [put(0, "k", "a", 0, 0, 10, err="ErrMaybe"), get(1, "k", 11, 12, "a", 1), get(1, "k", 13, 14, "", 0)]
    assert check_operations(kv_model, ops) is ILLEGAL


def test_concurrent_puts_one_wins():
    ops = [put(0, "k", "a", 0, 0, 10), put(1, "k", "b", 0, 0, 10, err="ErrVersion"), get(2, "k", 11, 12, "a", 1)]
    assert check_operations(kv_model, ops) is OK
    ops[1] = put(1, "k", "b", 0, 0, 10)  # both claim to have won
    assert check_operations(kv_model, ops) is ILLEGAL


def test_verbose_and_visualize(tmp_path):
    ops = [put(0, "k", "a", 0, 0, 10), get(1, "k", 11, 12, "b", 1), get(2, "j", 0, 1, "", 0, "ErrNoKey")]
    result, info = check_operations_verbose(kv_model, ops, 1.0)
    assert result is ILLEGAL and len(info.history) == 2
    path = tmp_path / "kv.html"
    visualize(kv_model, info, path)
    assert "{a 1}" in path.read_text()


def test_a_few_thousand_operations_within_the_labs_timeout():
    """The shape of a kvtest history: a few clients, a few keys, versions racing."""
    import random
    import time

    rnd = random.Random(5)
    ops, t = [], 0
    state = {k: KvState("", 0) for k in "abcde"}
    for i in range(3000):
        key = rnd.choice("abcde")
        c = rnd.randrange(5)
        s = state[key]
        if rnd.random() < 0.5:
            ops.append(get(c, key, t, t + 3, s.value, s.version))
        else:
            ver = s.version if rnd.random() < 0.7 else max(0, s.version - 1)
            if ver == s.version:
                state[key] = KvState(f"v{i}", ver + 1)
                ops.append(put(c, key, f"v{i}", ver, t, t + 3, rnd.choice(["OK", "ErrMaybe"])))
            else:
                ops.append(put(c, key, f"v{i}", ver, t, t + 3, "ErrVersion"))
        t += rnd.choice([1, 2, 4])  # overlapping intervals
    start = time.monotonic()
    result, _ = check_operations_verbose(kv_model, ops, 1.0)
    assert result is OK
    assert time.monotonic() - start < 1.0


def test_read_only_from_the_state_on():
    """What the checker may linearize at once: steps that change no state reachable from here."""
    read_only = kv_model.read_only
    s2 = KvState("x", 2)
    assert read_only(s2, KvInput(0, "k"), KvOutput("x", 2, "OK"))
    assert read_only(s2, KvInput(1, "k", "y", 5), KvOutput(err="ErrVersion"))
    assert read_only(s2, KvInput(1, "k", "y", 1), KvOutput(err="ErrMaybe"))  # behind: never matches again
    assert not read_only(s2, KvInput(1, "k", "y", 3), KvOutput(err="ErrMaybe"))  # may match later
    assert not read_only(s2, KvInput(1, "k", "y", 2), KvOutput(err="OK"))
