"""The pytest side of labrace: with LABS_RACE=1, a test with any report fails, as under go test -race.

Loaded by the test session (src/conftest.py); without LABS_RACE it does nothing. A test
marked ``labrace_exempt`` runs deliberately wrong code for the harness to reject, or drives
the detector itself: what the detector says there is not its verdict, so it is left alone.
"""

from __future__ import annotations

import pytest

import labrace


EXEMPT = "labrace_exempt"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{EXEMPT}: the race detector's reports do not fail this test "
                            "(it runs deliberately wrong code, or tests the detector)")
    if labrace.enabled():
        labrace.install()


_failed: dict[str, int] = {}  # test id -> the reports that failed it


def _fail(item: pytest.Item, reports: list[labrace.Report], when: str) -> None:
    _failed[item.nodeid] = _failed.get(item.nodeid, 0) + len(reports)
    kinds = sorted({r.kind.removeprefix("WARNING: ").lower() for r in reports})
    pytest.fail(f"race detected during execution of test{when}: {len(reports)} report(s) "
                f"({', '.join(kinds)}); they are printed above, on stderr", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if not labrace.installed() or item.get_closest_marker(EXEMPT):
        return (yield)
    labrace.reset()
    labrace.take()  # a thread an earlier test left running reported after it ended
    try:
        result = yield
    except BaseException:
        reports = labrace.take()
        if reports:
            _fail(item, reports, "")  # the race most likely caused whatever followed it
        raise
    reports = labrace.take()
    if reports:
        _fail(item, reports, "")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    if labrace.installed() and not item.get_closest_marker(EXEMPT):
        reports = labrace.take()
        if reports:
            _fail(item, reports, " during teardown")
    return result


def pytest_terminal_summary(terminalreporter: object, exitstatus: int, config: pytest.Config) -> None:
    if labrace.installed():
        n = sum(_failed.values())
        terminalreporter.write_line(f"labrace: {n} report(s) failed {len(_failed)} test(s)" if n else
                                    "labrace: no races, blocking under a lock or lock-order cycles found")
