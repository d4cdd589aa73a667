"""Go's ``log.Fatalf`` for the harness: a fatal error ends the running test at once, from any thread.

In the Go labs, a harness check that finds an impossible state (an apply error, an RPC to
an unknown method, a panicking handler) calls ``log.Fatalf``, and the test binary exits:
no caller can catch it, and no restart can lose it. Here ``fatalf`` does the same to the
running test, whatever thread calls it:

- it prints the message and records it; the test session fails the running test on any
  recorded fatal error, even if the test body went on to pass (``labfatal.plugin``);
- it interrupts the test's own thread, the main thread, with a signal whose handler raises
  ``FatalError`` there, so that a test blocked in a sleep or a wait ends at once, as Go's does;
- it raises ``FatalError`` in the calling thread. It derives from ``BaseException``, so an
  ``except Exception`` in student code does not swallow it.

Outside a test session (the demo, a benchmark) it exits the process, as Go does.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable, NoReturn

__all__ = ["FatalError", "fatalf", "recorded", "take", "deferred", "install", "arm", "disarm",
           "set_interrupter", "deliver"]

_SIGNAL = signal.SIGUSR1


class FatalError(BaseException):
    """A fatal error of the harness (Go: log.Fatalf); the running test fails with it."""


_lock = threading.Lock()
_recorded: list[str] = []  # the fatal messages of the running test, in order
_pending: str | None = None  # the message the main thread's signal handler is to raise
_installed = False  # a test session installed the signal handler
_armed = False  # a test is running: the handler may raise in the main thread
_deferred = 0  # depth of deferred() blocks on the main thread: record, but do not interrupt
_held: str | None = None  # an interrupt that came inside a deferred() block, raised at its end
# Another way to reach the main thread than a signal (labsim's scheduler, which must choose
# when the main thread runs): called instead of sending it; returns False to send it after all.
_interrupter: Callable[[], bool] | None = None


def fatalf(fmt: str, *args: Any) -> NoReturn:
    """Print the message, fail the running test with it, and raise ``FatalError`` here."""
    msg = fmt % args if args else fmt
    print(msg, file=sys.stderr, flush=True)
    global _pending
    on_main = threading.current_thread() is threading.main_thread()
    with _lock:
        interrupt = not _recorded and _installed and _armed and not on_main
        _recorded.append(msg)
        if interrupt:
            _pending = msg
    if not _installed:
        os._exit(1)  # no test session to fail: end the process, as Go's log.Fatalf does
    if interrupt and (_interrupter is None or not _interrupter()):
        signal.pthread_kill(threading.main_thread().ident, _SIGNAL)
    raise FatalError(msg)


def set_interrupter(interrupter: Callable[[], bool] | None) -> None:
    """Interrupt the main thread with ``interrupter`` instead of a signal; it must arrange for
    the main thread to call ``deliver()`` and return True, or return False for the signal."""
    global _interrupter
    _interrupter = interrupter


def deliver() -> None:
    """On the main thread: what the signal's handler does (raise the pending FatalError)."""
    _on_signal(_SIGNAL, None)


def recorded() -> list[str]:
    """The fatal messages of the running test so far."""
    with _lock:
        return list(_recorded)


def take() -> list[str]:
    """The fatal messages of the running test, which are then forgotten.

    For tests of the harness itself: a test that expects a fatal error takes it, and so
    passes.
    """
    global _pending
    with _lock:
        taken = list(_recorded)
        _recorded.clear()
        _pending = None
        return taken


@contextmanager
def deferred() -> Iterator[None]:
    """On the main thread, hold an interrupt until the block ends, then raise it: for work
    that an exception half-way through would leave with threads and files behind (shutting
    a test down, starting a server whose threads must be listed to be killed)."""
    global _deferred, _held
    on_main = threading.current_thread() is threading.main_thread()
    if on_main:
        _deferred += 1
    try:
        yield
    finally:
        if on_main:
            _deferred -= 1
            held, _held = (_held, None) if _deferred == 0 else (None, _held)
            if held is not None and _armed:
                raise FatalError(held)


def _on_signal(signum: int, frame: object) -> None:
    # No lock here: the handler runs on the main thread between two bytecodes, perhaps while
    # that thread holds _lock itself. fatalf sets _pending before it sends the signal.
    global _pending, _held
    msg, _pending = _pending, None
    if msg is None or not _armed:
        return
    if _deferred:
        _held = msg
    else:
        raise FatalError(msg)


def install() -> None:
    """Called once by the test session, on the main thread: fatal errors fail tests."""
    global _installed
    signal.signal(_SIGNAL, _on_signal)
    _installed = True


def arm() -> list[str]:
    """A test's body starts: a fatal error may interrupt it from now on. Returns the fatal
    messages recorded since the last test ended (by its threads still running), and forgets them."""
    global _armed, _pending, _held
    with _lock:
        leftover = list(_recorded)
        _recorded.clear()
        _pending = _held = None
        _armed = True
        return leftover


def disarm() -> None:
    """The test's body has ended: no more interrupts."""
    global _armed
    with _lock:
        _armed = False
