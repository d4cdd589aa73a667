"""Timeline annotations: faults, checks and notes drawn beside a history (Go: tester1/annotation.go).

The tester records when partitions, crashes and checks happen; when a test fails
(or VIS_ENABLE=always) the annotations are written, with the client operations if
there are any, to one HTML file by porcupine's visualization. The state is global,
as in Go, so that servers and clients can annotate without being handed an object.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass

from porcupine.annotation import Annotation

COLOR_INFO = "#FAFAFA"
COLOR_NEUTRAL = "#FFECB3"
COLOR_SUCCESS = "#C8E6C9"
COLOR_FAILURE = "#FFCDD2"
COLOR_FAULT = "#B3E5FC"
COLOR_USER = "#FFF176"

TAG_CHECKER = "$ Checker"
TAG_PARTITION = "$ Failure"
TAG_INFO = "$ Test Info"


# Go measures time.Since(time.Unix(0, 0)) with the monotonic clock; so do we: the
# epoch offset is read once, and later readings cannot jump with the wall clock.
_EPOCH_OFFSET_NS = time.time_ns() - time.monotonic_ns()


def timestamp() -> int:
    """Nanoseconds since the epoch, monotonic: the clock of annotations and the KV op log."""
    return time.monotonic_ns() + _EPOCH_OFFSET_NS


get_annotate_timestamp = timestamp


@dataclass
class _Continuous:
    start: int
    desp: str
    details: str
    bgcolor: str


class _Annotations:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.annotations: list[Annotation] = []
        self.continuous: dict[str, _Continuous] = {}
        self.finalized = False

    def clear(self) -> None:
        with self.lock:
            self.annotations = []
            self.continuous = {}
            self.finalized = False

    def finalize(self) -> list[Annotation]:
        """Close every ongoing interval at now; later annotations are still accepted."""
        with self.lock:
            t = timestamp()
            x = list(self.annotations)
            for tag, c in self.continuous.items():
                x.append(Annotation(tag=tag, start=c.start, end=t, description=c.desp,
                                    details=c.details, background_color=c.bgcolor))
            self.finalized = True
            return x

    def point(self, tag: str, desp: str, details: str, bgcolor: str) -> None:
        with self.lock:
            t = timestamp()
            self.annotations.append(Annotation(tag=tag, start=t, end=t, description=desp,
                                               details=details, background_color=bgcolor))

    def interval(self, tag: str, start: int, desp: str, details: str, bgcolor: str) -> None:
        with self.lock:
            self.annotations.append(Annotation(tag=tag, start=start, end=timestamp(), description=desp,
                                               details=details, background_color=bgcolor))

    def continuous_begin(self, tag: str, desp: str, details: str, bgcolor: str) -> None:
        """Start an interval that lasts until the next one of its tag (or its end)."""
        with self.lock:
            t = timestamp()
            prev = self.continuous.get(tag)
            if prev is not None:
                self.annotations.append(Annotation(tag=tag, start=prev.start, end=t, description=prev.desp,
                                                   details=prev.details, background_color=prev.bgcolor))
            self.continuous[tag] = _Continuous(t, desp, details, bgcolor)

    def continuous_end(self, tag: str) -> None:
        with self.lock:
            prev = self.continuous.pop(tag, None)
            if prev is None:
                return  # nothing ongoing for this tag
            self.annotations.append(Annotation(tag=tag, start=prev.start, end=timestamp(), description=prev.desp,
                                               details=prev.details, background_color=prev.bgcolor))

    def is_finalized(self) -> bool:
        with self.lock:
            return self.finalized

    def cleanup(self, failed: bool, end: str) -> None:
        """Write the timeline if the test failed (or VIS_ENABLE=always) and nobody wrote it yet."""
        enabled = os.environ.get("VIS_ENABLE", "")
        if enabled == "never" or (not failed and enabled != "always") or self.is_finalized():
            self.clear()
            return
        annotations = self.finalize()
        if not annotations:
            return
        t = timestamp()
        annotations.append(Annotation(tag=TAG_INFO, start=t, end=t, description=end, details=end,
                                      background_color=COLOR_INFO))
        path = write_visualization(None, annotations)
        if path is not None:
            print(f"info: wrote visualization to {path}", flush=True)


_annotation = _Annotations()


@dataclass
class _FrameworkInfo:
    nservers: int
    connected: list[bool]
    crashed: list[bool]
    ckbegin_ts: int = 0
    ckbegin_details: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()


_finfo: _FrameworkInfo | None = None


def vis_path() -> tuple[str, bool]:
    """Where a visualization goes: VIS_FILE, or a new temporary porcupine-*.html."""
    path = os.environ.get("VIS_FILE", "")
    if path:
        return path, False
    fd, path = tempfile.mkstemp(prefix="porcupine-", suffix=".html")
    os.close(fd)
    return path, True


def write_visualization(info: object | None, annotations: list[Annotation]) -> str | None:
    """Visualize ``info`` (or no operations) plus ``annotations``; returns the file written."""
    import porcupine  # the checker's visualization; imported late to keep start-up light
    from models1.kv import kv_model

    if info is None:
        info = porcupine.LinearizationInfo()
    info.add_annotations(annotations)
    path = ""
    try:
        path, _ = vis_path()
        porcupine.visualize(kv_model, info, path)
    except Exception as e:  # a broken visualization must not hide the test's own failure
        print(f"info: failed to write visualization to {path} ({type(e).__name__}: {e})", flush=True)
        return None
    return path


# --- public API: user-level -----------------------------------------------------------------


def annotate(tag: str, desp: str, details: str) -> None:
    _annotation.point(tag, desp, details, COLOR_USER)


def annotate_interval(tag: str, start: int, desp: str, details: str) -> None:
    _annotation.interval(tag, start, desp, details, COLOR_USER)


def annotate_continuous(tag: str, desp: str, details: str) -> None:
    _annotation.continuous_begin(tag, desp, details, COLOR_USER)


def annotate_continuous_end(tag: str) -> None:
    _annotation.continuous_end(tag)


# --- public API: used by the test framework ---------------------------------------------------


def annotate_point_color(tag: str, desp: str, details: str, bgcolor: str) -> None:
    _annotation.point(tag, desp, details, bgcolor)


def annotate_interval_color(tag: str, start: int, desp: str, details: str, bgcolor: str) -> None:
    _annotation.interval(tag, start, desp, details, bgcolor)


def annotate_continuous_color(tag: str, desp: str, details: str, bgcolor: str) -> None:
    _annotation.continuous_begin(tag, desp, details, bgcolor)


def annotate_info(desp: str, details: str) -> None:
    annotate_point_color(TAG_INFO, desp, details, COLOR_INFO)


def annotate_info_interval(start: int, desp: str, details: str) -> None:
    annotate_interval_color(TAG_INFO, start, desp, details, COLOR_INFO)


def annotate_test(desp: str, nservers: int) -> None:
    """Start a test's timeline: forget the previous test's annotations and fault state."""
    global _finfo
    details = f"{desp} ({nservers} servers)"
    _finfo = _FrameworkInfo(nservers, [True] * nservers, [False] * nservers)
    _annotation.clear()
    annotate_info(details, details)


def annotate_checker_begin(details: str) -> None:
    if _finfo is None:
        return  # no annotate_test (Lab 2): Go would crash; we record nothing
    with _finfo.lock:
        _finfo.ckbegin_ts = timestamp()
        _finfo.ckbegin_details = details


def annotate_checker_end(desp: str, details: str, color: str) -> None:
    if _finfo is None:
        return
    with _finfo.lock:
        if _finfo.ckbegin_ts == 0:
            annotate_point_color(TAG_CHECKER, desp, details, color)
            return
        # As in Go, the begin time is kept: a later end without a begin still spans from it.
        annotate_interval_color(TAG_CHECKER, _finfo.ckbegin_ts, desp,
                                f"{_finfo.ckbegin_details}: {details}", color)


def annotate_checker_success(desp: str, details: str) -> None:
    annotate_checker_end(desp, details, COLOR_SUCCESS)


def annotate_checker_failure(desp: str, details: str) -> None:
    annotate_checker_end(desp, details, COLOR_FAILURE)


def annotate_checker_neutral(desp: str, details: str) -> None:
    annotate_checker_end(desp, details, COLOR_NEUTRAL)


def annotate_checker_failure_before_exit(desp: str, details: str) -> None:
    """Record a failure found off the test thread and write the timeline now."""
    annotate_checker_failure(desp, details)
    _annotation.cleanup(True, "test failed")


def set_annotation_finalized() -> None:
    with _annotation.lock:
        _annotation.finalized = True


def get_annotation_finalized() -> bool:
    return _annotation.is_finalized()


def finalize_annotations(end: str) -> list[Annotation]:
    annotations = _annotation.finalize()
    t = timestamp()
    annotations.append(Annotation(tag=TAG_INFO, start=t, end=t, description=end, details=end,
                                  background_color=COLOR_INFO))
    return annotations


def cleanup(failed: bool, end: str) -> None:
    _annotation.cleanup(failed, end)


# --- faults -------------------------------------------------------------------------------


def _annotate_fault(finfo: _FrameworkInfo) -> None:
    """Describe the current partitions and crashes as one ongoing interval (finfo locked)."""
    if all(finfo.connected) and not any(finfo.crashed):
        annotate_continuous_end(TAG_PARTITION)
        return
    # Each disconnected server is alone; connected ones form one group; crashed ones are listed.
    text = "partition = "
    conn = []
    crashes = []
    for i, connected in enumerate(finfo.connected):
        if finfo.crashed[i]:
            crashes.append(i)
        elif connected:
            conn.append(i)
        else:
            text += f"[{i}] "
    if conn:
        text += _go_list(conn)
    if crashes:
        text += f" / crash = {_go_list(crashes)}"
    annotate_continuous_color(TAG_PARTITION, text, text, COLOR_FAULT)


def _go_list(xs: list[int]) -> str:
    """Format like Go's %v of a slice: [1 2 3]."""
    return "[" + " ".join(str(x) for x in xs) + "]"


def annotate_connection(connection: list[bool]) -> None:
    if _finfo is None:
        return
    with _finfo.lock:
        if _finfo.connected == list(connection):
            return
        _finfo.connected[:] = connection
        _annotate_fault(_finfo)


def annotate_two_partitions(p1: list[int], p2: list[int]) -> None:
    text = f"partition = {_go_list(p1)} {_go_list(p2)}"
    annotate_continuous_color(TAG_PARTITION, text, text, COLOR_FAULT)


def annotate_clear_failure() -> None:
    if _finfo is None:
        return
    with _finfo.lock:
        _finfo.crashed[:] = [False] * _finfo.nservers
        _finfo.connected[:] = [True] * _finfo.nservers
        annotate_continuous_end(TAG_PARTITION)


def _set_crashed(servers: list[int], crashed: bool) -> None:
    if _finfo is None:
        return
    with _finfo.lock:
        changed = any(_finfo.crashed[i] != crashed for i in servers)
        for i in servers:
            _finfo.crashed[i] = crashed
        if changed:
            _annotate_fault(_finfo)


def annotate_shutdown(servers: list[int]) -> None:
    _set_crashed(servers, True)


def annotate_shutdown_all() -> None:
    if _finfo is not None:
        annotate_shutdown(list(range(_finfo.nservers)))


def annotate_restart(servers: list[int]) -> None:
    _set_crashed(servers, False)


def annotate_restart_all() -> None:
    if _finfo is not None:
        annotate_restart(list(range(_finfo.nservers)))


def _on_sigint(signum: int, frame: object) -> None:
    _annotation.cleanup(True, "interrupted")
    raise KeyboardInterrupt


def capture_signal() -> None:
    """On Ctrl-C, write the timeline of the interrupted test first (Go: captureSignal)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
