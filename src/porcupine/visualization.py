"""An HTML view of a checked history (Go: porcupine's visualization.go).

:func:`visualize` turns a :class:`LinearizationInfo` into JSON and writes it into one
self-contained page (inline CSS and JS from :mod:`porcupine.vis_page`, nothing fetched). The
page draws each partition's operations as bars over time, one row per client, the longest
partial linearization, where it breaks, and the annotation rows.

Timestamps are replaced by their rank times 100 (as Go does), so that nanosecond clocks fit
in JavaScript numbers and short operations stay visible. The partial linearizations usually
share long prefixes, so they are sent as a prefix tree whose nodes carry the state after
each step: every state is described once.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, TextIO

from porcupine.checker import Entry, LinearizationInfo
from porcupine.model import CheckResult, Model
from porcupine.vis_page import PAGE

TIME_STEP = 100


def _time_label(t: int | float) -> str:
    return "never" if t == math.inf else str(t)


def _timestamp_map(info: LinearizationInfo) -> dict[Any, int]:
    stamps: set[Any] = set()
    for entries in info.history:
        stamps.update(e.time for e in entries)
    for a in info.annotations:
        stamps.add(a.start)
        stamps.add(a.end)
    return {t: i * TIME_STEP for i, t in enumerate(sorted(stamps))}


def _replay(model: Model, ops: dict[int, dict[str, Any]], partials: list[list[int]]) -> tuple[list, list]:
    """The prefix tree of the partial linearizations: nodes [parent, op, state description]
    (node 0 is the initial state) and the end node of each partial."""
    init = model.init()
    nodes: list[list[Any]] = [[-1, -1, model.describe_state(init)]]
    states = [init]
    children: dict[tuple[int, int], int] = {}
    ends = []
    for seq in partials:
        node = 0
        for op in seq:
            child = children.get((node, op))
            if child is None:
                ok, state = model.step(states[node], ops[op]["_in"], ops[op]["_out"])
                if not ok:
                    raise RuntimeError(
                        f"the model refuses step {op} of a partial linearization it accepted "
                        "during the check; is its step function pure?"
                    )
                child = len(nodes)
                children[(node, op)] = child
                nodes.append([node, op, model.describe_state(state)])
                states.append(state)
            node = child
        ends.append(node)
    return nodes, ends


def _breaking_point(model: Model, entries: list[Entry], ops: dict, longest: list[int], state: Any) -> dict:
    """Where the longest partial linearization stops: the pending operation that returns
    first (it could not be linearized next, and every later one depends on it) and the
    other operations that could have come next, with whether the model refused them."""
    done = set(longest)
    blocked = next(e.id for e in entries if not e.is_call and e.id not in done)
    candidates = []
    for e in entries:
        if not e.is_call and e.id == blocked:
            break
        if e.is_call and e.id not in done:
            ok, _ = model.step(state, ops[e.id]["_in"], ops[e.id]["_out"])
            candidates.append([e.id, bool(ok)])
    return {"blocked": blocked, "candidates": candidates}


def _partition_data(model: Model, info: LinearizationInfo, p: int, tmap: dict) -> dict[str, Any]:
    entries = info.history[p]
    ops: dict[int, dict[str, Any]] = {}
    for e in entries:
        if e.is_call:
            ops[e.id] = {"client": e.client_id, "start": tmap[e.time], "call": _time_label(e.time),
                         "_in": e.value, "_meta": e.metadata}
        else:
            op = ops[e.id]
            meta = e.metadata if e.metadata is not None else op.pop("_meta")
            op.pop("_meta", None)
            op.update(end=tmap[e.time], ret=_time_label(e.time), _out=e.value,
                      desc=model.describe_operation(op["_in"], e.value),
                      meta=model.describe_operation_metadata(meta))
    partials = sorted(info.partial_linearizations[p] if p < len(info.partial_linearizations) else [],
                      key=len, reverse=True)
    nodes, ends = _replay(model, ops, partials)
    largest: dict[int, int] = {}
    for index, seq in enumerate(partials):  # longest first, so the first hit is the largest
        for op in seq:
            largest.setdefault(op, index)
    n = len(ops)
    if p < len(info.partition_results):
        result = info.partition_results[p]
    else:
        result = CheckResult.OK if partials and len(partials[0]) == n else CheckResult.ILLEGAL
    longest = partials[0] if partials else []
    data: dict[str, Any] = {
        "ops": [{k: v for k, v in ops[i].items() if not k.startswith("_")} for i in range(n)],
        "nodes": nodes,
        "partials": ends,
        "largest": {str(k): v for k, v in largest.items()},
        "result": result.value,
    }
    if n and len(longest) < n and result is not CheckResult.UNKNOWN:
        end_state = model.init()
        for op in longest:
            _, end_state = model.step(end_state, ops[op]["_in"], ops[op]["_out"])
        data["failure"] = _breaking_point(model, entries, ops, longest, end_state)
    return data


def visualization_data(model: Model, info: LinearizationInfo) -> dict[str, Any]:
    """The JSON-ready data the page draws (exposed for tests and other front ends)."""
    tmap = _timestamp_map(info)
    annotations = [
        {"client": a.client_id, "tag": a.tag, "start": tmap[a.start], "end": tmap[a.end],
         "startLabel": _time_label(a.start), "endLabel": _time_label(a.end),
         "desc": a.description, "details": a.details,
         "color": a.text_color, "background": a.background_color}
        for a in info.annotations
    ]
    return {
        "partitions": [_partition_data(model, info, p, tmap) for p in range(len(info.history))],
        "annotations": annotations,
        "timeStep": TIME_STEP,
    }


def _script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(model: Model, info: LinearizationInfo) -> str:
    """The whole HTML page as a string."""
    return PAGE.replace("/*@DATA@*/null", _script_json(visualization_data(model, info)), 1)


def visualize(model: Model, info: LinearizationInfo, file: str | os.PathLike[str] | TextIO) -> None:
    """Write the visualization of ``info`` (from a verbose check, maybe plus annotations) as
    one self-contained HTML file to a path or an open text file."""
    page = render(model, info)
    if isinstance(file, (str, os.PathLike)):
        with open(file, "w", encoding="utf-8") as f:
            f.write(page)
    else:
        file.write(page)
