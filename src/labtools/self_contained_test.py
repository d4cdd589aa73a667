"""The repository stands on its own: no file reaches outside it by path."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A path into a developer's machine, or into the folder beside a clone.
OUTSIDE = re.compile(r"(?<![\w.])(?:\.\./shared\b|/work/(?:shared|main)\b|/home/\w+|/Users/\w+)")


def references_outside(root: Path) -> list[str]:
    """``file:line: text`` for every line of a text file under ``root`` that names a path outside it."""
    found = []
    for path in sorted(root.rglob("*")):
        parts = set(path.relative_to(root).parts)
        if not path.is_file() or parts & {".git", ".venv", "out", "__pycache__", "raft-data"}:
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue  # binary
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_file_names_a_path_outside_the_repository():
    assert references_outside(ROOT) == []


def test_the_scan_finds_such_a_path(tmp_path: Path):
    shared = "shared"  # spelled apart, so that this file does not match its own scan
    (tmp_path / "a.py").write_text(f'CORPUS = Path("/work/{shared}/testdata")\nok = "../{shared}x"\n')
    (tmp_path / "b.md").write_text(f"see ../{shared}/reference/go-run.txt\n")
    assert references_outside(tmp_path) == [
        f'a.py:1: CORPUS = Path("/work/{shared}/testdata")',
        f"b.md:1: see ../{shared}/reference/go-run.txt",
    ]
