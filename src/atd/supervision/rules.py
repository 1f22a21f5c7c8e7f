"""Pure rules for supervision: plan defaults, zone geometry inputs, curfew time windows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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


# Technologies that need a program-issued device on the participant.
DEVICE_TECHNOLOGIES = frozenset({"gps_ankle", "wrist"})
CADENCE_PRESETS_WEEKS = (4, 8, 12)


def device_task_kind(from_technology: str, to_technology: str) -> str | None:
    """What a change of technology asks of the devices team: assign a device, collect it,
    swap it for another kind, or nothing."""
    had = from_technology in DEVICE_TECHNOLOGIES
    needs = to_technology in DEVICE_TECHNOLOGIES
    if from_technology == to_technology or (not had and not needs):
        return None
    if had and needs:
        return "swap"
    return "assign" if needs else "return"


def return_task_completed_by(
    *, task_device_id: int | None, task_from_technology: str, device_id: int, device_kind: str
) -> bool:
    """Whether returning this device completes an open return task: the task names this
    device, or it names none (a change of plan away from a technology) and the device is of
    that technology."""
    if task_device_id is not None:
        return task_device_id == device_id
    return task_from_technology == device_kind


def change_task_completed_by(
    *, kind: str, to_technology: str, from_technology: str, held: Collection[str]
) -> bool:
    """Whether an assign or swap task (a change of plan) is done, given the kinds of device the
    participant wears now: an assign task once they wear a device of the new technology; a
    swap once they wear the new kind and no longer the old (in either order: the new device
    may go on before the old one comes back)."""
    if kind == "assign":
        return to_technology in held
    if kind == "swap":
        return to_technology in held and from_technology not in held
    return False


def cost_rate_on(
    rates: list[tuple[str, date, Decimal]], technology: str, on: date
) -> Decimal | None:
    """The newest rate for `technology` effective on or before `on`; None without one."""
    best: tuple[date, Decimal] | None = None
    for tech, since, per_day in rates:
        if tech == technology and since <= on and (best is None or since > best[0]):
            best = (since, per_day)
    return best[1] if best else None


def cadence_is_valid(days: int) -> bool:
    return 1 <= days <= 366
