"""Every history of the corpus gets its recorded verdict (Go: the Jepsen etcd and kv
tests of porcupine_test.go)."""

from __future__ import annotations

import os

import pytest

from porcupine import CheckResult, check_events
from porcupine.corpus import ETCD_NOT_LINEARIZABLE, ETCD_VERDICTS, KV_HISTORIES, corpus_file, etcd_verdicts
from porcupine.formats import FORMATS

RUN_SLOW = os.environ.get("RUN_SLOW") == "1"
slow = [pytest.mark.slow, pytest.mark.skipif(not RUN_SLOW, reason="very slow unpartitioned check; set RUN_SLOW=1")]

# Read at collection: a missing index is a collection error naming its path, never an
# empty parameter list that pytest would skip.
ETCD = [(name, CheckResult.OK if ok else CheckResult.ILLEGAL) for name, ok in etcd_verdicts()]


def test_corpus_has_102_etcd_verdicts():
    assert len(ETCD) == ETCD_VERDICTS == 102
    assert sum(v is CheckResult.ILLEGAL for _, v in ETCD) == ETCD_NOT_LINEARIZABLE == 79


@pytest.mark.parametrize("name,expected", ETCD, ids=[n for n, _ in ETCD])
def test_etcd(name: str, expected: CheckResult):
    fmt = FORMATS["jepsen-etcd"]
    events = fmt.parse(corpus_file("jepsen", name))
    assert check_events(fmt.model(events), events) is expected


def test_etcd_095_is_empty():
    assert FORMATS["jepsen-etcd"].parse(corpus_file("jepsen", "etcd_095.log")) == []


KV = [
    pytest.param(name, p, id=f"{name}-{'partitioned' if p else 'whole'}",
                 marks=slow if (name.startswith("c50") and not p) else ())
    for name in KV_HISTORIES
    for p in (True, False)
]


def test_corpus_has_6_kv_histories():
    assert len(KV_HISTORIES) == 6
    for name in KV_HISTORIES:
        corpus_file("kv", f"{name}.txt")


@pytest.mark.parametrize("name,partitioned", KV)
def test_kv(name: str, partitioned: bool):
    fmt = FORMATS["jepsen-kv"]
    events = fmt.parse(corpus_file("kv", f"{name}.txt"))
    model = fmt.model(events) if partitioned else fmt.unpartitioned_model(events)
    expected = CheckResult.OK if name.endswith("-ok") else CheckResult.ILLEGAL
    assert check_events(model, events) is expected


def test_missing_corpus_file_names_its_path(monkeypatch, tmp_path):
    import porcupine.corpus as corpus

    monkeypatch.setattr(corpus, "CORPUS_DIR", tmp_path)
    with pytest.raises(corpus.CorpusMissing, match=str(tmp_path / "jepsen" / "EXPECTED.tsv")):
        corpus.etcd_verdicts()
    with pytest.raises(corpus.CorpusMissing, match=str(tmp_path / "kv" / "c01-ok.txt")):
        corpus.corpus_file("kv", "c01-ok.txt")


def test_unknown_verdict_is_an_error(monkeypatch, tmp_path):
    import porcupine.corpus as corpus

    (tmp_path / "jepsen").mkdir()
    (tmp_path / "jepsen" / "EXPECTED.tsv").write_text("file\texpected\netcd_000.log\tmaybe\n")
    monkeypatch.setattr(corpus, "CORPUS_DIR", tmp_path)
    with pytest.raises(ValueError, match="unknown verdict 'maybe'"):
        corpus.etcd_verdicts()
