"""The command line: check a recorded history file, optionally writing the visualization.

    python -m porcupine check --format jepsen-etcd|jepsen-kv|lab-kv FILE [--no-partition]
                              [--timeout SECONDS] [--visualize OUT.html]

Exit status: 0 linearizable, 1 not linearizable, 2 timed out (unknown), 3 bad input
(including a bad command line).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Sequence

from porcupine.checker import check_events, check_events_verbose
from porcupine.formats import FORMATS
from porcupine.model import CheckResult
from porcupine.parse import ParseError
from porcupine.visualization import visualize

EXIT_OK, EXIT_ILLEGAL, EXIT_UNKNOWN, EXIT_BAD_INPUT = 0, 1, 2, 3
_EXIT = {CheckResult.OK: EXIT_OK, CheckResult.ILLEGAL: EXIT_ILLEGAL, CheckResult.UNKNOWN: EXIT_UNKNOWN}
_VERDICT = {
    CheckResult.OK: "linearizable",
    CheckResult.ILLEGAL: "not linearizable",
    CheckResult.UNKNOWN: "unknown (the check timed out)",
}


class _Parser(argparse.ArgumentParser):
    """Usage errors exit with the bad-input status, so that 2 always means a timeout."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m porcupine", description="Linearizability checker.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="check a recorded history file")
    check.add_argument("--format", required=True, choices=sorted(FORMATS), help="the file's format")
    check.add_argument("file", help="the history file")
    check.add_argument("--no-partition", action="store_true", help="check the history as a whole, not per key")
    check.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="give up after this long (result: unknown, exit status 2)")
    check.add_argument("--visualize", metavar="OUT.html", help="write an HTML visualization of the check")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    fmt = FORMATS[args.format]
    try:
        events = fmt.parse(args.file)
    except ParseError as e:
        print(f"error: cannot read {e.path}, line {e.line_no}: {e.reason}" + (f": {e.line.strip()}" if e.line else ""),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:
        print(f"error: cannot read {args.file}: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    model = fmt.unpartitioned_model(events) if args.no_partition else fmt.model(events)
    start = time.monotonic()
    if args.visualize:
        result, info = check_events_verbose(model, events, args.timeout)
    else:
        result, info = check_events(model, events, args.timeout), None
    elapsed = time.monotonic() - start
    print(f"{args.file}: {_VERDICT[result]} ({len(events) // 2} operations, {elapsed:.3f} s)")
    if info is not None:
        try:
            visualize(model, info, args.visualize)
        except OSError as e:
            print(f"error: cannot write {args.visualize}: {e.strerror or e}", file=sys.stderr)
        else:
            print(f"wrote visualization to {args.visualize}")
    return _EXIT[result]
