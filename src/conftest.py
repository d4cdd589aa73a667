"""Test-session set-up shared by every package's tests."""

from labrpc.affinity import pin_to_one_cpu

pytest_plugins = ["labfatal.plugin", "pytester"]

pin_to_one_cpu()
