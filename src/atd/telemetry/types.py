"""The published types of telemetry: what other contexts and views get back from its
selectors. Frozen dataclasses only, no `Any` (mypy: `disallow_any_explicit` for this module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrackPoint:
    """One stored fix of a participant's track."""

    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None


@dataclass(frozen=True)
class TrackSample:
    """The map's track of a period: at most the asked number of points, oldest first, and how
    many fixes the period holds."""

    fix_count: int
    points: tuple[TrackPoint, ...]
