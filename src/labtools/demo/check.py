"""The demo's check: the recorded history is checked for linearizability against the kv model
with porcupine, as the tests' check_porcupine does, and always drawn as an HTML timeline with
the faults' annotations and the verdict on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import porcupine
from models1.kv import kv_model
from tester1 import annotation


@dataclass
class Verdict:
    result: porcupine.CheckResult
    seconds: float
    nops: int
    html: Path | None


def check_and_write(ops: list[porcupine.Operation], annotations: list[porcupine.Annotation], timeout: float,
                    html: Path) -> Verdict:
    """Check the history as check_porcupine does, and always draw it (with the faults)."""
    start_ns = annotation.timestamp()
    t0 = time.monotonic()
    res, info = porcupine.check_operations_verbose(kv_model, ops, timeout)
    seconds = time.monotonic() - t0
    color = {porcupine.CheckResult.OK: annotation.COLOR_SUCCESS,
             porcupine.CheckResult.ILLEGAL: annotation.COLOR_FAILURE}.get(res, annotation.COLOR_NEUTRAL)
    text = f"linearizability: {res.value} ({len(ops)} ops, {seconds:.1f} s)"
    checked = porcupine.Annotation(tag=annotation.TAG_CHECKER, start=start_ns, end=annotation.timestamp(),
                                   description=text, details=text, background_color=color)
    info.add_annotations([*annotations, checked])
    try:
        html.parent.mkdir(parents=True, exist_ok=True)
        porcupine.visualize(kv_model, info, html)
    except OSError as e:
        print(f"could not write the timeline to {html}: {e}", flush=True)
        return Verdict(res, seconds, len(ops), None)
    return Verdict(res, seconds, len(ops), html.resolve())
