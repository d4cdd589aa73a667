"""The pytest side of labfatal: a fatal error fails the test that was running when it happened.

Loaded by the test session (src/conftest.py). A test fails if a fatal error was recorded
during its body, even when the body itself went on to pass (Go's binary would have exited);
one recorded during its teardown fails the teardown; one recorded between two tests, by a
thread the earlier test left running, fails the next test and says so.
"""

from __future__ import annotations

import threading

import pytest

import labfatal


@pytest.hookimpl(trylast=True)  # after pytest's own excepthook is in place, so that ours wraps it
def pytest_configure(config: pytest.Config) -> None:
    labfatal.install()
    reported = threading.excepthook

    def excepthook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.exc_value, labfatal.FatalError):
            return  # recorded and printed already: the test fails with its message
        reported(args)

    threading.excepthook = excepthook


def _fail(messages: list[str], when: str) -> None:
    more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
    pytest.fail(f"fatal error{when}: {messages[0]}{more}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    leftover = labfatal.arm()
    if leftover:
        labfatal.disarm()
        _fail(leftover, " before this test began, from a thread of an earlier test")
    try:
        result = yield
    except BaseException as exc:
        labfatal.disarm()
        messages = labfatal.take()
        if messages and not isinstance(exc, labfatal.FatalError):
            _fail(messages, "")  # the fatal error came first: report it, not what followed it
        raise
    labfatal.disarm()
    messages = labfatal.take()
    if messages:
        _fail(messages, "")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    messages = labfatal.take()
    if messages:
        _fail(messages, " during teardown")
    return result
