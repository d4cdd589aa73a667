"""Annotations: labelled intervals and points drawn beside a history in the visualization."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Annotation:
    """One row entry in the visualization, beside the client operations (Go: porcupine.Annotation).

    ``start``/``end`` are in the same clock as operation call/return times (ns since the epoch
    in the labs); a point annotation has ``end == start``. ``tag`` names the row.
    """

    client_id: int = 0
    tag: str = ""
    start: int = 0
    end: int = 0
    description: str = ""
    details: str = ""
    text_color: str = ""
    background_color: str = ""
