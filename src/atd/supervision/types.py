"""Supervision's published types: a plan, its zones and curfews as plain frozen values, the
technology ladder and the default daily costs. Other contexts import these (check-in windows,
zone and curfew detectors, review recommendations, cost reports); pure, so rules may too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

# Documented defaults (docs/supervision.md): press reported ~$2.75/day for an ankle monitor, the
# agency reported the whole program under $4.20 per participant-day, detention about $152/day.
DEFAULT_COST_PER_DAY: dict[str, Decimal] = {
    "gps_ankle": Decimal("2.75"),
    "wrist": Decimal("2.10"),
    "smartphone": Decimal("0.90"),
    "telephone": Decimal("0.50"),
    "in_person": Decimal("0.30"),
    "detention": Decimal("152.00"),
}

# Step-down order, most restrictive first.
TECHNOLOGY_LADDER = ("gps_ankle", "wrist", "smartphone", "telephone", "in_person")


@dataclass(frozen=True)
class PlanSpec:
    """A participant's active plan as plain values, for other apps (check-in windows, costs)."""

    id: int
    participant_id: int
    technology: str
    cadence_days: int
    checkin_mode: str
    start_date: date
    recorded_on: date


@dataclass(frozen=True)
class ZoneSpec:
    id: int
    participant_id: int
    kind: str  # inclusion | exclusion
    purpose: str
    center_lat: float | None
    center_lon: float | None
    radius_m: float | None
    polygon: list[list[float]] | None  # [[lon, lat], ...]


@dataclass(frozen=True)
class CurfewSpec:
    id: int
    participant_id: int
    zone_id: int
    weekdays: tuple[int, ...]
    start: time
    end: time
    timezone: str
