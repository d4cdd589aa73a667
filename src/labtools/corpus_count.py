"""Fail CI unless every corpus test of the checker ran: read pytest's JUnit XML and count.

    .venv/bin/python -m labtools.corpus_count out/ci-memory.xml

A corpus that went missing, or a parameter list that came out short, would leave the
checker unvalidated while the suite stays green; this count catches both.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter

from porcupine.corpus import ETCD_VERDICTS, KV_HISTORIES

SLOW_KV = sum(name.startswith("c50") for name in KV_HISTORIES)  # the whole c50 checks need RUN_SLOW=1


def outcome(case: ET.Element) -> str:
    for kind in ("failure", "error", "skipped"):
        if case.find(kind) is not None:
            return kind
    return "passed"


def main(path: str) -> int:
    counts: Counter[tuple[str, str]] = Counter()
    for case in ET.parse(path).getroot().iter("testcase"):
        if not case.get("classname", "").endswith("porcupine.corpus_test"):
            continue
        counts[(case.get("name", "").split("[")[0], outcome(case))] += 1
    expected = {
        ("test_etcd", "passed"): ETCD_VERDICTS,
        ("test_kv", "passed"): 2 * len(KV_HISTORIES) - SLOW_KV,
        ("test_kv", "skipped"): SLOW_KV,
    }
    problems = [f"{name} {kind}: {counts[(name, kind)]}, expected {n}"
                for (name, kind), n in expected.items() if counts[(name, kind)] != n]
    bad = {key: n for key, n in counts.items() if key[1] in ("failure", "error")}
    if bad:
        problems.append(f"failed or erred: {bad}")
    print("corpus tests:", ", ".join(f"{name} {kind} {n}" for (name, kind), n in sorted(counts.items())))
    for problem in problems:
        print(f"corpus count: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
