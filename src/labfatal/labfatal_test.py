"""labfatal fails the running test whatever the code that met the error does."""

from __future__ import annotations

import textwrap
import time

import pytest

import labfatal


def _run(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=textwrap.dedent(body))
    return pytester.runpytest_subprocess("-p", "labfatal.plugin", "-p", "no:cacheprovider", "-s")


def test_fatal_in_a_thread_ends_a_sleeping_test_at_once(pytester: pytest.Pytester):
    start = time.monotonic()
    result = _run(pytester, """
        import threading, time
        import labfatal

        def test_sleeps():
            threading.Thread(target=labfatal.fatalf, args=("apply error: %s", "index 7")).start()
            time.sleep(30)
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*FatalError: apply error: index 7*"])
    assert time.monotonic() - start < 15  # far less than the 30 s sleep


def test_catching_the_error_does_not_save_the_test(pytester: pytest.Pytester):
    result = _run(pytester, """
        import threading
        import labfatal

        def swallow():
            try:
                labfatal.fatalf("unknown method %s", "Raft.Nope")
            except Exception:
                pass
            except BaseException:
                pass  # even this: the error is recorded before it is raised

        def test_swallows():
            t = threading.Thread(target=swallow)
            t.start()
            t.join()
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown method Raft.Nope*"])


def test_fatal_on_the_main_thread_fails_too(pytester: pytest.Pytester):
    result = _run(pytester, """
        import labfatal

        def test_main():
            try:
                labfatal.fatalf("on main")
            except BaseException:
                pass
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fatal error: on main*"])


def test_deferred_block_finishes_and_then_raises(pytester: pytest.Pytester):
    result = _run(pytester, """
        import threading, time
        import labfatal

        def test_shutdown():
            try:
                with labfatal.deferred():
                    threading.Thread(target=labfatal.fatalf, args=("while shutting down",)).start()
                    time.sleep(0.5)  # not interrupted
                    print("block finished")
            finally:
                print("after the block")
            print("not reached")
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*block finished*", "*after the block*", "*FatalError: while shutting down*"])
    result.stdout.no_fnmatch_line("*not reached*")


def test_a_fatal_between_tests_fails_the_next_and_says_so(pytester: pytest.Pytester):
    result = _run(pytester, """
        import threading, time
        import labfatal

        def late():
            time.sleep(0.3)
            labfatal.fatalf("late error")

        def test_first():
            threading.Thread(target=late).start()

        def test_second():
            time.sleep(1)
    """)
    # test_second is interrupted by the late error, or begins after it and says so
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*late error*"])


def test_a_clean_test_passes(pytester: pytest.Pytester):
    result = _run(pytester, """
        def test_clean():
            pass
    """)
    result.assert_outcomes(passed=1)


def test_take_lets_a_harness_test_expect_a_fatal_error():
    with pytest.raises(labfatal.FatalError, match="expected"):
        labfatal.fatalf("expected %d", 1)
    assert labfatal.take() == ["expected 1"]
    assert labfatal.recorded() == []
