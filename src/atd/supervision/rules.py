"""Pure rules for supervision: plan defaults, zone geometry inputs, curfew time windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

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


def curfew_active_at(curfew: CurfewSpec, moment: datetime) -> bool:
    """True when `moment` (aware) falls in the curfew, in the curfew's own timezone."""
    local = moment.astimezone(ZoneInfo(curfew.timezone))
    if curfew.start <= curfew.end:
        return local.weekday() in curfew.weekdays and curfew.start <= local.time() < curfew.end
    # Crosses midnight: evening part belongs to today, morning part to yesterday's window.
    if local.time() >= curfew.start:
        return local.weekday() in curfew.weekdays
    if local.time() < curfew.end:
        return (local - timedelta(days=1)).weekday() in curfew.weekdays
    return False


def cadence_is_valid(days: int) -> bool:
    return 1 <= days <= 366
