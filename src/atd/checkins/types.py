"""The published types of checkins: what other contexts and views get back from its selectors.

Frozen dataclasses only, no `Any` (mypy: `disallow_any_explicit` for this module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CheckinPoint:
    """Where and when a check-in was made, for maps and an alert's evidence. `verified` is
    False for a check-in stored as location unverified."""

    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None
    verified: bool
