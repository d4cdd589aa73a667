"""The command line and the corpus readers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from porcupine import CALL_EVENT, RETURN_EVENT, check_events
from porcupine.cli import main
from porcupine.corpus import corpus_file
from porcupine.formats import FORMATS, etcd_model, kv_model, kv_unpartitioned_model
from porcupine.parse import EtcdInput, EtcdOutput, KvInput, KvOutput, ParseError, parse_jepsen_etcd, parse_jepsen_kv

SRC = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


ETCD_OK = """\
some setup output
INFO  jepsen.util - 0\t:invoke\t:write\t3
INFO  jepsen.util - 1\t:invoke\t:read\tnil
INFO  jepsen.util - 0\t:ok\t:write\t3
INFO  jepsen.util - 1\t:ok\t:read\t3
INFO  jepsen.util - 2\t:invoke\t:cas\t[3 4]
INFO  jepsen.util - 2\t:ok\t:cas\t[3 4]
INFO  jepsen.util - 3\t:invoke\t:cas\t[3 5]
INFO  jepsen.util - 3\t:fail\t:cas\t[3 5]
INFO  jepsen.util - 4\t:invoke\t:write\t9
INFO  jepsen.util - 4\t:info\t:write\t:timed-out
INFO  jepsen.util - 5\t:invoke\t:read\tnil
INFO  jepsen.util - 5\t:fail\t:read\t:timed-out
INFO  jepsen.util - 6\t:invoke\t:read\tnil
INFO  jepsen.util - 6\t:ok\t:read\t9
"""


def test_parse_etcd(tmp_path):
    events = parse_jepsen_etcd(_write(tmp_path, "e.log", ETCD_OK))
    assert [(e.client_id, e.kind) for e in events[:2]] == [(0, CALL_EVENT), (1, CALL_EVENT)]
    assert events[0].value == EtcdInput(1, 3)
    assert events[6].value == EtcdInput(2, 3, 5) and events[7].value == EtcdOutput(ok=False)
    # the timed-out write stays open and returns, unknown, after everything else
    assert events[-1] == type(events[-1])(4, RETURN_EVENT, EtcdOutput(unknown=True), events[8].id)
    assert check_events(etcd_model, events).name == "OK"


def test_etcd_model():
    step = etcd_model.step
    assert step(None, EtcdInput(0), EtcdOutput(exists=False)) == (True, None)
    assert step(None, EtcdInput(0), EtcdOutput(exists=True, value=0))[0] is False
    assert step(2, EtcdInput(0), EtcdOutput(unknown=True)) == (True, 2)
    assert step(2, EtcdInput(2, 2, 7), EtcdOutput(ok=True)) == (True, 7)
    assert step(2, EtcdInput(2, 1, 7), EtcdOutput(ok=True)) == (False, 2)
    assert step(2, EtcdInput(2, 1, 7), EtcdOutput(ok=False)) == (True, 2)
    assert step(2, EtcdInput(2, 2, 7), EtcdOutput(unknown=True)) == (True, 7)
    assert etcd_model.describe_operation(EtcdInput(2, 1, 2), EtcdOutput(ok=True)) == "cas(1, 2) -> ok"
    assert etcd_model.describe_operation(EtcdInput(0), EtcdOutput()) == "read() -> null"


KV_TEXT = """\
{:process 0, :type :invoke, :f :put, :key "a", :value "x"}
{:process 1, :type :invoke, :f :get, :key "a", :value nil}
{:process 0, :type :ok, :f :put, :key "a", :value "x"}
{:process 1, :type :ok, :f :get, :key "a", :value "x"}

{:process 2, :type :invoke, :f :append, :key "b", :value "q\\"uote"}
{:process 2, :type :ok, :f :append, :key "b", :value "q\\"uote"}
{:process 3, :type :invoke, :f :append, :key "a", :value "y"}
{:process 3, :type :fail, :f :append, :key "a", :value "y"}
{:process 4, :type :invoke, :f :get, :key "b", :value nil}
"""


def test_parse_kv(tmp_path):
    events = parse_jepsen_kv(_write(tmp_path, "k.txt", KV_TEXT))
    assert events[0].value == KvInput(1, "a", "x")
    assert events[3].value == KvOutput("x")
    assert events[4].value == KvInput(2, "b", 'q"uote')
    assert len(events) == 8  # the failed append is gone; the open get returns at the end
    assert events[-1].value == KvOutput(unknown=True)
    assert check_events(kv_model, events).name == "OK"
    assert check_events(kv_unpartitioned_model(["a", "b"]), events).name == "OK"


def test_kv_models():
    assert kv_model.step("ab", KvInput(0, "k"), KvOutput("ab")) == (True, "ab")
    assert kv_model.step("ab", KvInput(2, "k", "c"), KvOutput()) == (True, "abc")
    assert kv_model.step("ab", KvInput(1, "k", "c"), KvOutput()) == (True, "c")
    whole = kv_unpartitioned_model(["b", "a", "b"])
    assert whole.init() == ("", "")
    assert whole.step(("", ""), KvInput(2, "b", "z"), KvOutput()) == (True, ("", "z"))
    assert whole.describe_state(("1", "")) == "{'a': '1'}"


@pytest.mark.parametrize(
    "fmt,text,line,reason",
    [
        ("jepsen-etcd", "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\tbanana\n", 2, "cannot read"),
        ("jepsen-etcd", "INFO  jepsen.util - 1\t:ok\t:write\t3\n", 1, "never invoked"),
        ("jepsen-etcd", "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n", 2, "previous call is open"),
        ("jepsen-etcd", "x\nINFO  jepsen.util - 1\t:invoke\n", 2, "malformed"),
        ("jepsen-kv", '{:process 1, :type :invoke, :f :get, :key "a", :value nil}\nnot edn\n', 2, "not an EDN map"),
        ("jepsen-kv", '{:process 1, :type :invoke, :f :frob, :key "a", :value nil}\n', 1, ":f"),
        ("jepsen-kv", '{:process 1, :type :invoke, :f :put, :key "a", :value nil}\n', 1, "string :value"),
    ],
)
def test_bad_input_names_the_line(tmp_path, fmt, text, line, reason):
    path = _write(tmp_path, "bad.txt", text)
    with pytest.raises(ParseError) as err:
        FORMATS[fmt].parse(path)
    assert err.value.line_no == line and reason in err.value.reason
    assert str(err.value).startswith(f"{path}:{line}: ")


# --- exit codes -----------------------------------------------------------------------------


def test_exit_codes(tmp_path, capsys):
    assert main(["check", "--format", "jepsen-etcd", str(corpus_file("jepsen", "etcd_002.log"))]) == 0
    assert "linearizable" in capsys.readouterr().out
    assert main(["check", "--format", "jepsen-etcd", str(corpus_file("jepsen", "etcd_000.log"))]) == 1
    assert "not linearizable" in capsys.readouterr().out
    hard = str(corpus_file("kv", "c50-ok.txt"))
    assert main(["check", "--format", "jepsen-kv", hard, "--no-partition", "--timeout", "0.2"]) == 2
    assert "timed out" in capsys.readouterr().out
    bad = _write(tmp_path, "bad.txt", '{:process 1, :type :invoke, :f :get, :key "a", :value nil}\n{:oops}\n')
    assert main(["check", "--format", "jepsen-kv", str(bad)]) == 3
    err = capsys.readouterr().err
    assert f"{bad}, line 2" in err and "{:oops}" in err
    assert main(["check", "--format", "jepsen-kv", str(tmp_path / "missing.txt")]) == 3
    assert "missing.txt" in capsys.readouterr().err


def test_kv_partitioned_and_whole(capsys):
    for extra in ([], ["--no-partition"]):
        assert main(["check", "--format", "jepsen-kv", str(corpus_file("kv", "c01-ok.txt")), *extra]) == 0
        assert main(["check", "--format", "jepsen-kv", str(corpus_file("kv", "c01-bad.txt")), *extra]) == 1


def test_visualize_option(tmp_path, capsys):
    out = tmp_path / "v.html"
    assert main(["check", "--format", "jepsen-kv", str(corpus_file("kv", "c10-bad.txt")), "--visualize", str(out)]) == 1
    assert f"wrote visualization to {out}" in capsys.readouterr().out
    assert out.read_text().startswith("<!doctype html>")


def test_python_dash_m():
    proc = subprocess.run(
        [sys.executable, "-m", "porcupine", "check", "--format", "jepsen-etcd", str(corpus_file("jepsen", "etcd_000.log"))],
        capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "not linearizable" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "porcupine", "check"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC)}, timeout=60)
    assert proc.returncode == 3 and "usage" in proc.stderr  # not 2, which means a timeout
