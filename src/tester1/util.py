"""Small helpers of the tester (Go: parts of tester1/config.go and group.go)."""

from __future__ import annotations

import base64
import os

GRP0 = 0

Tgid = int
"""A server group's id (Go: tester.Tgid)."""


def server_name(gid: Tgid, i: int) -> str:
    return f"server-{gid}-{i}"


def randstring(n: int) -> str:
    """n random URL-safe characters, for end names and random values."""
    return base64.urlsafe_b64encode(os.urandom(2 * n)).decode()[:n]
