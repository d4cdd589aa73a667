"""A linearizability checker with a visualization (a Python port of Go's Porcupine).

    result = check_operations(model, history, timeout=1.0)
    result, info = check_operations_verbose(model, history, timeout=1.0)
    info.add_annotations(annotations); visualize(model, info, "history.html")
"""

from porcupine.annotation import Annotation
from porcupine.checker import (
    LinearizationInfo,
    check_events,
    check_events_verbose,
    check_operations,
    check_operations_verbose,
)
from porcupine.model import (
    CALL_EVENT,
    NEVER_RETURNED,
    RETURN_EVENT,
    CheckResult,
    Event,
    EventKind,
    Model,
    Operation,
)
from porcupine.visualization import visualize

__all__ = [
    "Annotation",
    "CALL_EVENT",
    "CheckResult",
    "Event",
    "EventKind",
    "LinearizationInfo",
    "Model",
    "NEVER_RETURNED",
    "Operation",
    "RETURN_EVENT",
    "check_events",
    "check_events_verbose",
    "check_operations",
    "check_operations_verbose",
    "visualize",
]
