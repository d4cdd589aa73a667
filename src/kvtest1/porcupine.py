"""The logged Get/Put and the linearizability check of a test's history (Go: kvtest1/porcupine.go).

Every logged call becomes a porcupine Operation with call and return times on the
annotation clock, so client operations and fault annotations share one timeline.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from typing import TYPE_CHECKING

import porcupine
import tester1
from kvsrv1 import rpc
from models1.kv import KvInput, KvOutput, kv_model
from porcupine.formats import write_lab_kv
from tester1.annotation import timestamp

if TYPE_CHECKING:
    from kvtest1.kvtest import IKVClerk

LINEARIZABILITY_CHECK_TIMEOUT = 1.0  # seconds (Go: linearizabilityCheckTimeout)


class OpLog:
    """The history of a test: appended to by every client thread, never cleared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._operations: list[porcupine.Operation] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._operations)

    def append(self, op: porcupine.Operation) -> None:
        with self._lock:
            self._operations.append(op)

    def read(self) -> list[porcupine.Operation]:
        with self._lock:
            return list(self._operations)


def get(cfg: tester1.Config, ck: "IKVClerk", key: str, log: OpLog | None, cli: int) -> tuple[str, int, rpc.Err]:
    start = timestamp()
    val, ver, err = ck.get(key)
    end = timestamp()
    cfg.op()
    if log is not None:
        log.append(porcupine.Operation(client_id=cli, input=KvInput(op=0, key=key), call=start,
                                       output=KvOutput(value=val, version=ver, err=err), return_time=end))
    return val, ver, err


def put(cfg: tester1.Config, ck: "IKVClerk", key: str, value: str, version: int, log: OpLog | None,
        cli: int) -> rpc.Err:
    start = timestamp()
    err = ck.put(key, value, version)
    end = timestamp()
    cfg.op()
    if log is not None:
        log.append(porcupine.Operation(client_id=cli, input=KvInput(op=1, key=key, value=value, version=version),
                                       call=start, output=KvOutput(err=err), return_time=end))
    return err


def _write_vis(info: porcupine.LinearizationInfo, end: str) -> None:
    path = ""
    try:
        path, _ = tester1.annotation.vis_path()
        info.add_annotations(tester1.finalize_annotations(end))
        porcupine.visualize(kv_model, info, path)
    except OSError as e:
        print(f"info: failed to write history visualization to {path} ({e})", flush=True)
        return
    print(f"info: wrote history visualization to {path}", flush=True)


def _record_verdict(res: porcupine.CheckResult, nops: int, seconds: float) -> None:
    """With PORCUPINE_VERDICTS=FILE, append each check's verdict, size and time (for figures)."""
    path = os.environ.get("PORCUPINE_VERDICTS")
    if path:
        test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
        with open(path, "a") as f:
            f.write(f"{res.value}\t{nops}\t{seconds:.3f}\t{test}\n")


_dump_seq = itertools.count()


def _dump_history(ops: list[porcupine.Operation]) -> None:
    """With PORCUPINE_DUMP_DIR=DIR, write each checked history to its own file in DIR, in
    porcupine's text format lab-kv (JSON lines, times shifted to 0; see porcupine.formats),
    to replay a check offline: ``python -m porcupine check --format lab-kv FILE``."""
    folder = os.environ.get("PORCUPINE_DUMP_DIR")
    if not folder:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "history").split(" ")[0].split("::")[-1]
    name = f"{re.sub(r'[^A-Za-z0-9_.-]', '_', test)}-{os.getpid()}-{next(_dump_seq):03d}.jsonl"
    os.makedirs(folder, exist_ok=True)
    write_lab_kv(os.path.join(folder, name), ops)


def check_porcupine(cfg: tester1.Config, op_log: OpLog, nsec: float) -> None:
    """Fail the test if the history is not linearizable; a timed-out check passes, as in Go.

    PORCUPINE_DUMP_DIR=DIR also writes the history to DIR, one lab-kv file (JSON lines) per
    check, readable by ``python -m porcupine check --format lab-kv`` (see _dump_history).
    """
    enabled = os.environ.get("VIS_ENABLE", "")
    ops = op_log.read()
    _dump_history(ops)
    t0 = time.monotonic()
    res, info = porcupine.check_operations_verbose(kv_model, ops, nsec)
    _record_verdict(res, len(ops), time.monotonic() - t0)
    if res == porcupine.CheckResult.ILLEGAL:
        if enabled != "never":
            _write_vis(info, "test failed")
        cfg.fatalf("history is not linearizable")
    elif res == porcupine.CheckResult.UNKNOWN:
        print("info: linearizability check timed out, assuming history is ok", flush=True)
    if enabled == "always" and tester1.get_annotation_finalized():
        _write_vis(info, "test passed")
