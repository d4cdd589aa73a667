"""Go's unbuffered channel as a ``queue.Queue``: the apply channel of the labs.

``make(chan ApplyMsg)`` in Go is unbuffered: a send returns only once a receiver has taken
the value. That is what makes a Raft that holds its lock while it sends deadlock in Go,
when the receiver calls back into Raft (the 3D tester calls ``Snapshot()`` from its apply
loop, and so does the rsm in 4C). An unbounded queue would hide the bug, so the labs' apply
channel is this subclass:

- ``put(item)`` blocks until a ``get()`` has taken ``item``; with a timeout, or
  ``block=False`` and no receiver waiting, it takes the item back and raises ``queue.Full``;
- ``close()`` closes it: receivers drain nothing more (a value whose sender is still
  blocked is not delivered; that sender fails as in Go), ``get()`` then raises
  ``ChannelClosed`` and ``for item in channel`` ends;
- a send on a closed channel, or a second ``close()``, is Go's panic: a fatal error that
  fails the running test (``labfatal``), whatever the caller does with the exception.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from typing import Any, Generic, Iterator, TypeVar

import labfatal

T = TypeVar("T")


class ChannelClosed(Exception):
    """Receive from a closed channel that holds nothing (Go: ``v, ok := <-ch`` gives ok false)."""


class _Envelope:
    """An item on its way, and whether a receiver took it."""

    __slots__ = ("item", "taken")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.taken = False


class Channel(queue.Queue, Generic[T]):
    """An unbuffered Go channel with the interface of ``queue.Queue``."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: deque[_Envelope]
        self._closed = False
        self._receivers = 0  # get() calls waiting for an item

    # --- queue.Queue's storage hooks: envelopes in, items out ---------------------------------

    def _put(self, envelope: _Envelope) -> None:
        self.queue.append(envelope)

    def _get(self) -> T:
        envelope = self.queue.popleft()
        envelope.taken = True
        self.not_full.notify_all()  # its sender may return
        return envelope.item

    # --- the channel operations ---------------------------------------------------------------

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        """Send ``item``: returns once a receiver has it (Go: ``ch <- item``)."""
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.not_full:
            if self._closed:
                self._panic("send on closed channel")
            if not block and self._receivers <= len(self.queue):
                raise queue.Full
            envelope = _Envelope(item)
            self._put(envelope)
            self.unfinished_tasks += 1
            self.not_empty.notify()
            while not envelope.taken:
                if self._closed:
                    self._panic("send on closed channel")
                remaining = None if deadline is None else deadline - time.monotonic()
                if (remaining is not None and remaining <= 0) or (not block and self._receivers == 0):
                    self.queue.remove(envelope)
                    self.unfinished_tasks -= 1
                    raise queue.Full
                self.not_full.wait(remaining)

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        """Receive an item (Go: ``<-ch``); ``ChannelClosed`` once the channel is closed."""
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.not_empty:
            self._receivers += 1
            self.not_full.notify_all()  # a put(block=False) may now find us waiting
            try:
                while not self.queue:
                    if self._closed:
                        raise ChannelClosed("receive from closed channel")
                    if not block:
                        raise queue.Empty
                    if deadline is None:
                        self.not_empty.wait()
                    else:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            raise queue.Empty
                        self.not_empty.wait(remaining)
                return self._get()
            finally:
                self._receivers -= 1
                self.not_full.notify_all()  # a put(block=False) counting on us may have to give up

    def close(self) -> None:
        """Close the channel (Go: ``close(ch)``); closing it again is a fatal error."""
        with self.mutex:
            if self._closed:
                self._panic("close of closed channel")
            self._closed = True
            # Values still waiting for a receiver are not delivered: their senders panic.
            self.unfinished_tasks -= len(self.queue)
            self.queue.clear()
            self.not_empty.notify_all()
            self.not_full.notify_all()

    @property
    def closed(self) -> bool:
        with self.mutex:
            return self._closed

    def __iter__(self) -> Iterator[T]:
        """The items until the channel is closed (Go: ``for m := range ch``)."""
        while True:
            try:
                yield self.get()
            except ChannelClosed:
                return

    def _panic(self, what: str) -> None:
        self.mutex.release()  # labfatal prints and may interrupt; do not hold the channel meanwhile
        try:
            labfatal.fatalf("panic: %s", what)
        finally:
            self.mutex.acquire()
