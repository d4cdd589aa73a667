"""Run every command the README shows, as written, and fail if one fails.

    .venv/bin/python -m labtools.readme_commands [README.md] [--list] [--skip CMD]...

A README whose examples do not run is the first thing a new user meets, so CI runs them
all from the root of the clone, after the set-up `make test` does. The commands are:

- every line of a fenced block marked ``sh`` (a line ending in a backslash goes on on the
  next one; blank lines and whole-line comments are not commands);
- every inline code span that starts like a command (``make ...``, ``python -m ...``,
  ``.venv/bin/python ...``, or ``VAR=value cmd ...``), which prose mentions in passing.

Each runs in its own ``bash -o pipefail`` from the README's folder, one after another, so
that a command may read a file an earlier one wrote. Every command must exit 0. ``--skip``
leaves out a command that the caller has already run (CI runs ``make test`` itself); a
skipped command that the README does not show is an error, so a skip cannot outlive its
command. Each command's output goes to ``out/readme/NN.log``.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^```(\S*)\s*$")
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_COMMAND_START = re.compile(r"^(?:[A-Z][A-Z0-9_]*=\S+\s+)*(?:make|python3?|\.venv/bin/python)(?:\s|$)")


@dataclass(frozen=True)
class Command:
    text: str
    line: int  # where it starts in the README, 1-based

    @property
    def words(self) -> tuple[str, ...]:
        """The command as the shell splits it, without a trailing comment."""
        return tuple(shlex.split(self.text, comments=True))


@dataclass(frozen=True)
class Outcome:
    command: Command
    status: int
    seconds: float
    log: Path


def block_commands(markdown: str) -> list[Command]:
    """The commands of the ``sh`` blocks, in order."""
    commands: list[Command] = []
    in_sh = in_other = False
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(markdown.splitlines(), 1):
        fence = _FENCE.match(raw.strip())
        if fence and not (in_sh or in_other):
            in_sh, in_other = fence.group(1) == "sh", fence.group(1) != "sh"
            continue
        if fence and not fence.group(1):
            if pending:
                raise ValueError(f"README line {start}: a command ends in a backslash at the end of its block")
            in_sh = in_other = False
            continue
        if not in_sh:
            continue
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].rstrip())
            continue
        pending.append(line)
        commands.append(Command(" ".join(pending), start))
        pending = []
    if in_sh or in_other:
        raise ValueError("README: a fenced block is never closed")
    return commands


def inline_commands(markdown: str) -> list[Command]:
    """The inline code spans outside fenced blocks that read as commands."""
    commands: list[Command] = []
    fenced = False
    for number, raw in enumerate(markdown.splitlines(), 1):
        if _FENCE.match(raw.strip()):
            fenced = not fenced
            continue
        if fenced:
            continue
        for span in _INLINE.findall(raw):
            if _COMMAND_START.match(span):
                commands.append(Command(span.strip(), number))
    return commands


def readme_commands(markdown: str) -> list[Command]:
    """Every command the README shows, each once, in order of first appearance."""
    seen: set[tuple[str, ...]] = set()
    unique = []
    for command in sorted(block_commands(markdown) + inline_commands(markdown), key=lambda c: c.line):
        if command.words not in seen:
            seen.add(command.words)
            unique.append(command)
    return unique


def run(commands: list[Command], root: Path, logs: Path, timeout: float) -> list[Outcome]:
    """Run each command from ``root``; a command over ``timeout`` seconds counts as failed (124)."""
    logs.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for i, command in enumerate(commands, 1):
        log = logs / f"{i:02d}.log"
        print(f"[{i}/{len(commands)}] README line {command.line}: {command.text}", flush=True)
        start = time.monotonic()
        with open(log, "w") as out:
            out.write(f"$ {command.text}\n")
            out.flush()
            try:
                status = subprocess.run(["bash", "-o", "pipefail", "-c", command.text], cwd=root,
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                        timeout=timeout).returncode
            except subprocess.TimeoutExpired:
                out.write(f"\nreadme_commands: timed out after {timeout:.0f} s\n")
                status = 124
        outcome = Outcome(command, status, time.monotonic() - start, log)
        print(f"    exit {status} in {outcome.seconds:.1f} s  ({log})", flush=True)
        outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("readme", nargs="?", default="README.md", type=Path)
    parser.add_argument("--list", action="store_true", help="print the commands and run none")
    parser.add_argument("--skip", action="append", default=[], metavar="CMD",
                        help="a command, exactly as the README shows it, that the caller already ran")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per command")
    parser.add_argument("--logs", type=Path, default=Path("out/readme"), help="where each command's output goes")
    args = parser.parse_args(argv)
    try:
        commands = readme_commands(args.readme.read_text())
    except (OSError, ValueError) as err:
        print(f"readme_commands: {err}", file=sys.stderr)
        return 2
    skip = {tuple(shlex.split(text, comments=True)) for text in args.skip}
    unknown = skip - {c.words for c in commands}
    if unknown:
        print(f"readme_commands: --skip names commands the README does not show: "
              f"{sorted(shlex.join(words) for words in unknown)}", file=sys.stderr)
        return 2
    todo = [c for c in commands if c.words not in skip]
    if args.list:
        for c in commands:
            print(f"{c.line:4d}  {'(run by the caller) ' if c.words in skip else ''}{c.text}")
        return 0
    root = args.readme.resolve().parent
    logs = args.logs if args.logs.is_absolute() else root / args.logs
    outcomes = run(todo, root, logs, args.timeout)
    failed = [o for o in outcomes if o.status != 0]
    for o in failed:
        print(f"FAILED (exit {o.status}): README line {o.command.line}: {o.command.text}\n"
              f"    its output: {o.log}", flush=True)
    print(f"readme commands: {len(outcomes) - len(failed)} passed, {len(failed)} failed, "
          f"{len(commands) - len(todo)} run by the caller", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
