"""Call stacks for reports: a few frames of file:line and function, only the repository's own.

Frames of the detector, of threading.py and of anything else outside src/ and the watched
files (pytest, pluggy, the standard library) are left out: as in Go's reports, a stack
starts at the line in question and ends where the lab's code was entered.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Callable
from types import FrameType

Frame = tuple[str, int, str]  # file, line, function
Stack = tuple[Frame, ...]

DEPTH = 8  # frames kept for a report's stacks (Go prints all; these are enough to find the line)

_HERE = os.path.dirname(os.path.abspath(__file__))
_SRC = os.path.dirname(_HERE)

# The detector's own modules (not its tests): plumbing, never the line a report is about.
_DETECTOR = {f for f in glob.glob(os.path.join(_HERE, "*.py")) if not f.endswith("_test.py")}
# Set by labrace.install: the watched code is shown wherever it lies (a student's tree, a tmp dir).
is_watched_file: Callable[[str], bool] = lambda filename: False


def _hidden(filename: str) -> bool:
    if filename in _DETECTOR:
        return True
    return not filename.startswith(_SRC + os.sep) and not is_watched_file(filename)


def capture(skip: int = 1, frame: FrameType | None = None) -> Stack:
    """The caller's stack, innermost first, in the repository's and the watched code only."""
    f = frame if frame is not None else sys._getframe(skip)
    out: list[Frame] = []
    while f is not None and len(out) < DEPTH:
        code = f.f_code
        if not _hidden(code.co_filename):
            out.append((code.co_filename, f.f_lineno, code.co_name))
        f = f.f_back
    return tuple(out)


def site(frame: FrameType) -> Frame:
    code = frame.f_code
    return (code.co_filename, frame.f_lineno, code.co_name)


def where(filename: str) -> str:
    """A path as a reader of the repository knows it: relative to src/ when it is ours."""
    if filename.startswith(_SRC + os.sep):
        return os.path.relpath(filename, _SRC)
    return filename


def format_stack(stack: Stack, indent: str = "  ") -> str:
    if not stack:
        return f"{indent}(no frames)"
    return "\n".join(f"{indent}{func}()\n{indent}    {where(fn)}:{line}" for fn, line, func in stack)
