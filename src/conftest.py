"""Test-session set-up shared by every package's tests."""

import os
import sys

import labsim

if labsim.enabled():
    # Before anything of the labs is imported: a lock made at import time must be a simulated one.
    labsim.install()

from labrpc.affinity import pin_to_one_cpu  # noqa: E402

pytest_plugins = ["labfatal.plugin", "labrace.plugin", "labsim.plugin", "pytester"]

pin_to_one_cpu()

# A thread woken by another (a receiver on the unbuffered apply channel, a waiter on a
# condition) waits for the GIL until the running thread yields it: up to the switch
# interval, 5 ms by default, while in Go a woken goroutine runs at once on another core.
# With a busy thread beside it (20 clients, the checker) every hand-off on the apply channel
# then costs ~10 ms, followers fall hundreds of entries behind, and correct Rafts fail 4C's
# log-size checks (3 runs in 16 of test_snapshot_recover_many_clients_4c; 0 in 30 at 0.5 ms,
# for 10% more CPU). It also switches threads more often, as Go's four CPUs would.
sys.setswitchinterval(float(os.environ.get("LABS_SWITCH_INTERVAL", "0.0005")))
