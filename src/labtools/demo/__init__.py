"""A kvraft workbench: a replicated key/value service under faults, watched live, then checked.

Run with ``make demo`` (or ``python -m labtools.demo --seconds 10 --unreliable --seed 7``).
It starts a group of kvraft servers on the emulated network through the labs' own
tester, lets clients do versioned Puts and Gets on a few keys (kvtest's
``one_client_put``, every call logged exactly as the tests log it), and meanwhile
partitions the network and crashes and restarts servers, one fault at a time. A live
table shows each server's term, role and state sizes. At the end every fault is healed,
the history is checked for linearizability with porcupine, and an HTML timeline of the
operations and the faults is written. Exits 1 if the history is not linearizable, or a
client saw a wrong answer or never finished.

The package, one concern a module: ``servers`` (what each server looks like now), ``workload``
(the clients and their counting clerks), ``faults`` (the fault injector), ``view`` (sampling and
the live view), ``check`` (the linearizability check and the timeline) and ``cli`` (the run, the
report and the options; ``__main__`` calls it).
"""

from labtools.demo.check import Verdict, check_and_write
from labtools.demo.cli import main, parse_args, report, run
from labtools.demo.faults import FaultEvent, FaultInjector
from labtools.demo.servers import GID, ServerView, current_leader, server_views
from labtools.demo.view import Sampler, Status, View, render, status_line
from labtools.demo.workload import ClerkMaker, Clients, CountingClerk, OpCounts

__all__ = [
    "GID", "ClerkMaker", "Clients", "CountingClerk", "FaultEvent", "FaultInjector", "OpCounts", "Sampler",
    "ServerView", "Status", "Verdict", "View", "check_and_write", "current_leader", "main", "parse_args",
    "render", "report", "run", "server_views", "status_line",
]
