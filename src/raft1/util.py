"""Debug logging for Raft (Go: util.go's DPrintf), free when turned off.

Set ``RAFT_DEBUG=1`` to turn it on. Each line is

    <ms since start> <TOPIC> S<server> T<term> <message>
    001234 VOTE S2 T3 voted for S1

so that the log viewer (``python -m labtools.logview [FILE]``, or a pipe into it)
can sort the lines into one column per server, colour and filter them by topic.

The flag is read once, at import. Callers pass %-style arguments and formatting
happens only when logging is on, so a disabled call costs one function call and
one test of a module global; hot paths may also test ``DEBUG`` themselves.
"""

from __future__ import annotations

import _thread
import os
import sys
import time
from typing import Any

DEBUG: bool = os.environ.get("RAFT_DEBUG", "") not in ("", "0")

# Topics, so that a viewer can filter and colour lines.
VOTE = "VOTE"  # voting and vote requests
LEAD = "LEAD"  # becoming leader
TERM = "TERM"  # term changes, stepping down
LOG1 = "LOG1"  # leader side of AppendEntries
LOG2 = "LOG2"  # follower side of AppendEntries
CMIT = "CMIT"  # commit index advances
APLY = "APLY"  # delivery on the apply channel
PERS = "PERS"  # persistence and restore
SNAP = "SNAP"  # snapshots and InstallSnapshot
TIMR = "TIMR"  # election timer
DROP = "DROP"  # stale or ignored RPCs and replies
INFO = "INFO"  # everything else (start, kill)

_start = time.monotonic()
# A real lock, never a simulated one: turning RAFT_DEBUG on must not add scheduling
# points, or a seed replayed with the log on would take another schedule.
_out_lock = _thread.allocate_lock()


def dprint(topic: str, server: int, term: int, fmt: str, *args: Any) -> None:
    """Print one debug line if RAFT_DEBUG is on; ``fmt % args`` is only evaluated then."""
    if not DEBUG:
        return
    ms = int((time.monotonic() - _start) * 1000)
    msg = fmt % args if args else fmt
    line = f"{ms:06d} {topic} S{server} T{term} {msg}\n"
    with _out_lock:  # whole lines, even from many threads
        sys.stderr.write(line)
        sys.stderr.flush()
