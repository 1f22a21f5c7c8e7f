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


@dataclass(frozen=True)
class WindowStatusCounts:
    """Check-in windows that closed in a period, by outcome (`WindowStatus`): checked in,
    attempted (a technical failure), missed; and those still open or cancelled by a plan
    change."""

    completed: int = 0
    attempted: int = 0
    missed: int = 0
    open: int = 0
    cancelled: int = 0

    @property
    def due(self) -> int:
        """Windows a participant had to keep: checked in, attempted or missed."""
        return self.completed + self.attempted + self.missed
