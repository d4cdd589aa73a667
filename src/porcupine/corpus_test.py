"""Every history of the shared corpus gets its recorded verdict (Go: the Jepsen etcd and kv
tests of porcupine_test.go)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from porcupine import CheckResult, check_events
from porcupine.formats import FORMATS

CORPUS = Path(os.environ.get("PORCUPINE_CORPUS", "/work/shared/testdata/porcupine"))
RUN_SLOW = os.environ.get("RUN_SLOW") == "1"
slow = [pytest.mark.slow, pytest.mark.skipif(not RUN_SLOW, reason="very slow unpartitioned check; set RUN_SLOW=1")]

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


def _etcd_expected() -> list[tuple[str, CheckResult]]:
    path = CORPUS / "jepsen" / "EXPECTED.tsv"
    if not path.exists():
        return []
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    verdict = {"linearizable": CheckResult.OK, "not-linearizable": CheckResult.ILLEGAL}
    return [(r["file"], verdict[r["expected"]]) for r in rows]


ETCD = _etcd_expected()


def test_corpus_has_102_etcd_verdicts():
    assert len(ETCD) == 102
    assert sum(v is CheckResult.ILLEGAL for _, v in ETCD) == 79


@pytest.mark.parametrize("name,expected", ETCD, ids=[n for n, _ in ETCD])
def test_etcd(name: str, expected: CheckResult):
    fmt = FORMATS["jepsen-etcd"]
    events = fmt.parse(CORPUS / "jepsen" / name)
    assert check_events(fmt.model(events), events) is expected


def test_etcd_095_is_empty():
    assert FORMATS["jepsen-etcd"].parse(CORPUS / "jepsen" / "etcd_095.log") == []


KV = [
    pytest.param(f"c{n}-{v}", p, id=f"c{n}-{v}-{'partitioned' if p else 'whole'}",
                 marks=slow if (n == "50" and not p) else ())
    for n in ("01", "10", "50")
    for v in ("ok", "bad")
    for p in (True, False)
]


@pytest.mark.parametrize("name,partitioned", KV)
def test_kv(name: str, partitioned: bool):
    fmt = FORMATS["jepsen-kv"]
    events = fmt.parse(CORPUS / "kv" / f"{name}.txt")
    model = fmt.model(events) if partitioned else fmt.unpartitioned_model(events)
    expected = CheckResult.OK if name.endswith("-ok") else CheckResult.ILLEGAL
    assert check_events(model, events) is expected
