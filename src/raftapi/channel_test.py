"""The apply channel keeps Go's unbuffered-channel semantics."""

from __future__ import annotations

import queue
import threading
import time

import pytest

import labfatal
from raftapi import Channel, ChannelClosed


def _receive_later(ch: Channel, delay: float, out: list) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        out.append(ch.get())

    t = threading.Thread(target=run)
    t.start()
    return t


def test_is_a_queue():
    assert isinstance(Channel(), queue.Queue)


def test_put_returns_only_once_the_item_is_taken():
    ch: Channel[int] = Channel()
    got: list[int] = []
    t = _receive_later(ch, 0.2, got)
    start = time.monotonic()
    ch.put(7)
    assert time.monotonic() - start >= 0.19 and got == [7]
    t.join()


def test_put_with_no_receiver_times_out_and_takes_the_item_back():
    ch: Channel[int] = Channel()
    with pytest.raises(queue.Full):
        ch.put(1, timeout=0.05)
    with pytest.raises(queue.Full):
        ch.put_nowait(2)
    with pytest.raises(queue.Empty):
        ch.get_nowait()  # neither item stayed behind
    assert ch.qsize() == 0


def test_put_nowait_succeeds_when_a_receiver_waits():
    ch: Channel[str] = Channel()
    got: list[str] = []
    t = threading.Thread(target=lambda: got.append(ch.get()))
    t.start()
    deadline = time.monotonic() + 2
    while True:
        try:
            ch.put_nowait("x")
            break
        except queue.Full:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    t.join()
    assert got == ["x"]


def test_items_arrive_in_order_and_iteration_ends_at_close():
    ch: Channel[int] = Channel()

    def send() -> None:
        for i in range(5):
            ch.put(i)
        ch.close()

    threading.Thread(target=send).start()
    assert list(ch) == [0, 1, 2, 3, 4]
    with pytest.raises(ChannelClosed):
        ch.get()
    assert ch.closed


def test_close_wakes_a_waiting_receiver():
    ch: Channel[int] = Channel()
    threading.Timer(0.1, ch.close).start()
    with pytest.raises(ChannelClosed):
        ch.get(timeout=5)


def test_send_after_close_is_fatal_whatever_the_caller_does():
    ch: Channel[int] = Channel()
    ch.close()
    with pytest.raises(labfatal.FatalError, match="send on closed channel"):
        try:
            ch.put(1)
        except Exception:  # a student's catch-all does not see it
            pytest.fail("the panic was caught as an Exception")
    assert labfatal.take() == ["panic: send on closed channel"]


def test_close_twice_is_fatal():
    ch: Channel[int] = Channel()
    ch.close()
    with pytest.raises(labfatal.FatalError, match="close of closed channel"):
        ch.close()
    assert labfatal.take() == ["panic: close of closed channel"]


def test_a_sender_blocked_at_close_panics_and_its_value_is_not_delivered():
    ch: Channel[int] = Channel()
    errors: list[BaseException] = []

    def send() -> None:
        try:
            ch.put(1)
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=send)
    t.start()
    time.sleep(0.1)
    with pytest.raises(labfatal.FatalError, match="send on closed channel"):
        with labfatal.deferred():  # the sender's panic is held until the block ends
            ch.close()
            t.join()
    assert [type(e) for e in errors] == [labfatal.FatalError]
    assert labfatal.take() == ["panic: send on closed channel"]
    assert list(ch) == []
