"""Pure rules for supervision: plan defaults, zone geometry inputs, curfew time windows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from atd.supervision.types import (  # noqa: F401  (rules work on the published types)
    DEFAULT_COST_PER_DAY,
    TECHNOLOGY_LADDER,
    CurfewSpec,
    PlanSpec,
    ZoneSpec,
)


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
