"""Test results from a pytest --junitxml file: what the stress runner and the grader read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    name: str
    passed: bool
    seconds: float
    message: str = ""  # the failure's first line, if it failed


def read(path: Path) -> list[Case]:
    """The tests that ran (skipped ones left out), in order; none if the file is missing.

    pytest writes a second <testcase> of the same name for an error in a test's teardown:
    the two make one test here, which failed if either did.
    """
    if not path.exists():
        return []
    cases: dict[tuple[str, str], Case] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        if any(child.tag == "skipped" for child in case):
            continue
        failures = [child for child in case if child.tag in ("failure", "error")]
        message = ""
        if failures:
            text = failures[0].get("message") or (failures[0].text or "")
            message = text.strip().splitlines()[0] if text.strip() else failures[0].tag
        key = (case.get("classname", ""), case.get("name", "?"))
        this = Case(key[1], not failures, float(case.get("time", "0")), message)
        if key in cases:
            first = cases[key]
            this = Case(key[1], first.passed and this.passed, first.seconds + this.seconds,
                        first.message or this.message)
        cases[key] = this
    return list(cases.values())
