"""The lab-kv format (histories of the labs' key/value service, as kvtest1 dumps them) and a
hard history recorded from the labs."""

from __future__ import annotations

from pathlib import Path

import pytest

from models1.kv import KvInput, KvOutput, kv_model
from porcupine import NEVER_RETURNED, CheckResult, Operation, check_events, check_operations_verbose
from porcupine.cli import main
from porcupine.formats import FORMATS, read_lab_kv, write_lab_kv
from porcupine.parse import ParseError

TESTDATA = Path(__file__).resolve().parent / "testdata"


def get(client: int, key: str, call: int, ret: float, value: str, version: int = 0) -> Operation:
    return Operation(client, KvInput(0, key), call, KvOutput(value, version, "OK"), ret)


def put(client: int, key: str, value: str, version: int, call: int, ret: float, err: str = "OK") -> Operation:
    return Operation(client, KvInput(1, key, value, version), call, KvOutput(err=err), ret)


def _history() -> list[Operation]:
    return [
        put(0, "a", 'q"uote', 0, 1000, 1010),
        get(1, "a", 1005, 1020, 'q"uote', 1),
        put(2, "b", "x", 0, 1030, NEVER_RETURNED, err="ErrMaybe"),
        put(1, "a", "y", 0, 1030, 1040, err="ErrVersion"),
        get(0, "b", 1050, 1060, "x", 1),
    ]


def test_round_trip_shifts_times_to_zero(tmp_path):
    path = tmp_path / "h.jsonl"
    write_lab_kv(path, _history())
    ops = read_lab_kv(path)
    assert [op.input for op in ops] == [op.input for op in _history()]
    assert [op.output for op in ops] == [op.output for op in _history()]
    assert [(op.call, op.return_time) for op in ops] == [
        (0, 10), (5, 20), (30, NEVER_RETURNED), (30, 40), (50, 60)]


def test_command_line_split_and_whole(tmp_path, capsys):
    path = tmp_path / "h.jsonl"
    write_lab_kv(path, _history())
    events = FORMATS["lab-kv"].parse(path)
    assert check_events(FORMATS["lab-kv"].model(events), events) is CheckResult.OK
    for extra in ([], ["--no-partition"]):
        assert main(["check", "--format", "lab-kv", str(path), *extra]) == 0
    write_lab_kv(path, _history() + [get(3, "a", 2000, 2001, "x")])
    for extra in ([], ["--no-partition"]):
        assert main(["check", "--format", "lab-kv", str(path), *extra]) == 1
    assert "not linearizable" in capsys.readouterr().out


@pytest.mark.parametrize("line", ["not json", '{"op": "get"}', '{"client":0,"call":"x","return":1,"op":"get",'
                                  '"key":"k","value":"","version":0,"err":"OK"}'])
def test_bad_line_is_named(tmp_path, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(ParseError) as err:
        read_lab_kv(path)
    assert err.value.line_no == 1


def test_hard_history_within_the_labs_timeout():
    """1,618 operations of TestSnapshotRecoverManyClients4C on one key (20 clients, servers
    crashing): the search timed out at 1 s before read-only operations were forced."""
    ops = read_lab_kv(TESTDATA / "snapshot_recover_many_clients_4c.jsonl")
    assert len(ops) == 1618
    result, info = check_operations_verbose(kv_model, ops, 1.0)  # kvtest1's timeout
    assert result is CheckResult.OK
    assert sorted(info.partial_linearizations[0][0]) == list(range(len(ops)))
