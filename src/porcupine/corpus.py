"""The checker's corpus of real histories, shipped in ``testdata/`` beside this file.

Tests and benchmarks find it here, relative to the package, so that a clone checks its
checker against the same histories on any machine. A missing file is an error that names
the path: a corpus that quietly vanished would leave the checker unvalidated.
"""

from __future__ import annotations

import csv
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "testdata"

ETCD_VERDICTS = 102
"""Logs in jepsen/EXPECTED.tsv (etcd_095.log is empty and has no verdict)."""
ETCD_NOT_LINEARIZABLE = 79
KV_HISTORIES = ("c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad")


class CorpusMissing(FileNotFoundError):
    """A file of the corpus is not where it belongs."""


def corpus_file(*parts: str) -> Path:
    """The path of a corpus file, which must exist."""
    path = CORPUS_DIR.joinpath(*parts)
    if not path.is_file():
        raise CorpusMissing(f"porcupine corpus: {path} is missing (the corpus ships in src/porcupine/testdata)")
    return path


def etcd_verdicts() -> list[tuple[str, bool]]:
    """(log file name, linearizable) for every etcd log with a recorded verdict."""
    path = corpus_file("jepsen", "EXPECTED.tsv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    known = {"linearizable": True, "not-linearizable": False}
    verdicts = []
    for row in rows:
        if row.get("expected") not in known:
            raise ValueError(f"{path}: unknown verdict {row.get('expected')!r} for {row.get('file')!r}")
        verdicts.append((row["file"], known[row["expected"]]))
    return verdicts
