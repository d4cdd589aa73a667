"""The parts of the labs, as the course grades them: which tests make each, and its lab."""

from __future__ import annotations

# part -> pytest arguments (relative to the tree's root) that select exactly its tests
PARTS: dict[str, list[str]] = {
    "2": ["src/kvsrv1/kvsrv_test.py", "src/kvsrv1/lock/lock_test.py"],
    "3A": ["src/raft1/raft_test.py", "-k", "3A"],
    "3B": ["src/raft1/raft_test.py", "-k", "3B"],
    "3C": ["src/raft1/raft_test.py", "-k", "3C"],
    "3D": ["src/raft1/raft_test.py", "-k", "3D"],
    "4A": ["src/kvraft1/rsm/rsm_test.py", "-k", "4A"],
    "4B": ["src/kvraft1/kvraft_test.py", "-k", "4B"],
    "4C": ["src/kvraft1/kvraft_test.py", "src/kvraft1/rsm/rsm_test.py", "-k", "4C"],
}


def lab_of(part: str) -> str:
    """"3" for 3A: a lab's parts share its time limit."""
    return part[0]


def select(spec: str | None) -> list[str]:
    """Parts named by a comma-separated list of parts or labs ("3A,4", "all" or None: all)."""
    if not spec or spec.strip().lower() == "all":
        return list(PARTS)
    chosen: list[str] = []
    for word in (w.strip().upper() for w in spec.split(",") if w.strip()):
        matches = [p for p in PARTS if p == word or lab_of(p) == word]
        if not matches:
            raise ValueError(f"unknown part {word!r}; the parts are {', '.join(PARTS)} (or a lab: 2, 3, 4)")
        chosen += [p for p in matches if p not in chosen]
    return chosen
