"""The pytest side of labrace: with LABS_RACE=1, a test with any report fails, as under go test -race.

Loaded by the test session (src/conftest.py); without LABS_RACE it does nothing.
"""

from __future__ import annotations

import pytest

import labrace


def pytest_configure(config: pytest.Config) -> None:
    if labrace.enabled():
        labrace.install()


def _fail(reports: list[labrace.Report], when: str) -> None:
    kinds = sorted({r.kind.removeprefix("WARNING: ").lower() for r in reports})
    pytest.fail(f"race detected during execution of test{when}: {len(reports)} report(s) "
                f"({', '.join(kinds)}); they are printed above, on stderr", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if not labrace.installed():
        return (yield)
    labrace.reset()
    labrace.take()  # a thread an earlier test left running reported after it ended
    try:
        result = yield
    except BaseException:
        reports = labrace.take()
        if reports:
            _fail(reports, "")  # the race most likely caused whatever followed it
        raise
    reports = labrace.take()
    if reports:
        _fail(reports, "")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    if labrace.installed():
        reports = labrace.take()
        if reports:
            _fail(reports, " during teardown")
    return result


def pytest_terminal_summary(terminalreporter: object, exitstatus: int, config: pytest.Config) -> None:
    if labrace.installed():
        n = labrace.report.total()
        terminalreporter.write_line(f"labrace: {n} report(s) in this session" if n else
                                    "labrace: no races, blocking under a lock or lock-order cycles found")
