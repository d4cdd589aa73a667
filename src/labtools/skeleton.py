"""The student's files as handed out: the reference with its solution regions taken out.

The files a student writes (``STUDENT_FILES``) are the reference itself, marked up with two
kinds of comment line, so that one source gives both trees:

    # solution begin          the lines down to "# solution end" are the reference's own:
    ...                       a skeleton leaves them out (regions do not nest)
    # solution end
    # skeleton: <text>        a skeleton has <text> here, at the comment's indentation
                              (a line of the reference is never both)

``skeleton(text)`` makes the student's version: it keeps the classes, methods and RPC types
a student fills in, with "# Your code here (3A)." where the work goes. ``solution_names``
lists what the reference defines inside its regions (its own helpers), which no handout may
contain: the handout tests look for them.
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = "# solution begin"
END = "# solution end"
SKELETON = "# skeleton:"

# The files a student writes, per lab, relative to src/ (Go: the files .check-build leaves alone).
STUDENT_FILES: dict[str, tuple[str, ...]] = {
    "2": ("kvsrv1/server.py", "kvsrv1/client.py", "kvsrv1/lock/lock.py"),
    "3": ("raft1/raft.py",),
    "4": ("kvraft1/rsm/rsm.py", "kvraft1/server.py", "kvraft1/client.py"),
}


class MarkupError(ValueError):
    """A student file's solution markers do not pair up."""


def skeleton(text: str, name: str = "<text>") -> str:
    """``text`` with its solution regions removed and its skeleton lines uncommented."""
    out: list[str] = []
    opened = 0  # line of the open region's BEGIN, 0 if none
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped == BEGIN:
            if opened:
                raise MarkupError(f"{name}:{number}: '{BEGIN}' inside the region opened at line {opened}")
            opened = number
        elif stripped == END:
            if not opened:
                raise MarkupError(f"{name}:{number}: '{END}' with no region open")
            opened = 0
        elif stripped.startswith(SKELETON):
            if opened:
                raise MarkupError(f"{name}:{number}: a skeleton line inside the region opened at line {opened}")
            rest = stripped[len(SKELETON):]
            rest = rest[1:] if rest.startswith(" ") else rest
            out.append(f"{indent}{rest}\n" if rest else "\n")
        elif not opened:
            out.append(line)
        elif SKELETON in line or BEGIN in line or END in line:
            raise MarkupError(f"{name}:{number}: a marker must stand alone on its line")
    if opened:
        raise MarkupError(f"{name}:{opened}: '{BEGIN}' is never closed")
    return _tidy("".join(out))


def _tidy(text: str) -> str:
    """Blank lines as PEP 8 has them where regions were taken out: at most two in a row, one
    before an indented line (inside a class or function), one newline at the end."""
    text = re.sub(r"\n(?:[ \t]*\n){3,}", "\n\n\n", text)
    text = re.sub(r"\n(?:[ \t]*\n){2,}(?=[ \t]+\S)", "\n\n", text)
    return text.rstrip("\n") + "\n"


_DEFINES = re.compile(r"^\s*(?:def|class)\s+([A-Za-z_]\w*)|^([A-Z][A-Z0-9_]+)\s*[:=]", re.M)


def solution_names(text: str) -> set[str]:
    """Functions, classes and constants the reference defines in its solution regions and
    the skeleton does not: the names whose presence in a handout gives a solution away."""
    inside: list[str] = []
    opened = False
    for line in text.splitlines():
        if line.strip() == BEGIN:
            opened = True
        elif line.strip() == END:
            opened = False
        elif opened:
            inside.append(line)
    found = {a or b for a, b in _DEFINES.findall("\n".join(inside))}
    kept = {a or b for a, b in _DEFINES.findall(skeleton(text))}
    return found - kept


def student_files(labs: tuple[str, ...] = tuple(STUDENT_FILES)) -> list[str]:
    return [f for lab in labs for f in STUDENT_FILES[lab]]


def skeleton_of(src: Path, relative: str) -> str:
    return skeleton((src / relative).read_text(), relative)
