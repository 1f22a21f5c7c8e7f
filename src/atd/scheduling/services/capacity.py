"""Writes to an office's capacity: standing slots and staff, holidays, staffing by day."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.db import transaction

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.scope import Scope
from atd.scheduling import rules, selectors
from atd.scheduling.models import OfficeCapacity, OfficeHoliday, StaffAvailability


def _office_for_write(scope: Scope, office_id: int) -> Any:
    scope.require(*selectors.OFFICE_WRITE_ROLES)
    return selectors.office_get_in_scope(scope=scope, office_id=office_id)


@transaction.atomic
def capacity_set(
    *,
    actor: Any,
    scope: Scope,
    office_id: int,
    slots_per_staff_day: int,
    staff_on_duty: int,
    open_weekdays: list[int],
    slot_minutes: int = 30,
    day_start: time = time(8, 30),
) -> OfficeCapacity:
    office = _office_for_write(scope, office_id)
    errors = []
    if not 0 <= slots_per_staff_day <= 200:
        errors.append(FieldError("slots_per_staff_day", "must be between 0 and 200"))
    if not 0 <= staff_on_duty <= 500:
        errors.append(FieldError("staff_on_duty", "must be between 0 and 500"))
    if not open_weekdays or any(d not in range(7) for d in open_weekdays):
        errors.append(FieldError("open_weekdays", "weekdays are 0 (Monday) to 6 (Sunday)"))
    if not 5 <= slot_minutes <= 240:
        errors.append(FieldError("slot_minutes", "must be between 5 and 240"))
    if day_start.tzinfo is not None:
        errors.append(FieldError("day_start", "a local office time, without a time zone"))
    elif not rules.office_day_fits(day_start, slots_per_staff_day, slot_minutes):
        errors.append(
            FieldError("slots_per_staff_day", "the last appointment would end after midnight")
        )
    if errors:
        raise ValidationFailed(errors=errors)
    row, _ = OfficeCapacity.objects.update_or_create(
        office_id=office.pk,
        defaults={
            "slots_per_staff_day": slots_per_staff_day,
            "staff_on_duty": staff_on_duty,
            "open_weekdays": sorted(set(open_weekdays)),
            "slot_minutes": slot_minutes,
            "day_start": day_start,
            "updated_at": clock.now(),
        },
    )
    audit_record(
        actor=actor,
        action="office.capacity_set",
        object_type="office",
        object_ids=[office.pk],
        reason=f"{staff_on_duty} staff x {slots_per_staff_day} slots, weekdays {open_weekdays}",
    )
    return row


@transaction.atomic
def holiday_set(*, actor: Any, scope: Scope, office_id: int, day: date, name: str) -> OfficeHoliday:
    """Closes the office on `day`. Appointments already booked that day stay and are listed
    on the office page for the officers to move (they are people to call, not rows to shift)."""
    office = _office_for_write(scope, office_id)
    if not name.strip():
        raise ValidationFailed(errors=[FieldError("name", "a holiday needs a name")])
    row, _ = OfficeHoliday.objects.update_or_create(
        office_id=office.pk, day=day, defaults={"name": name.strip()[:100]}
    )
    audit_record(
        actor=actor,
        action="office.holiday_set",
        object_type="office",
        object_ids=[office.pk],
        reason=f"{day.isoformat()} {name.strip()[:100]}",
    )
    return row


@transaction.atomic
def holiday_remove(*, actor: Any, scope: Scope, office_id: int, day: date) -> None:
    office = _office_for_write(scope, office_id)
    deleted, _ = OfficeHoliday.objects.filter(office_id=office.pk, day=day).delete()
    audit_record(
        actor=actor,
        action="office.holiday_remove",
        object_type="office",
        object_ids=[office.pk],
        outcome="ok" if deleted else "not_found",
        reason=day.isoformat(),
    )


@transaction.atomic
def staffing_set(
    *, actor: Any, scope: Scope, office_id: int, day: date, staff_on_duty: int, note: str = ""
) -> StaffAvailability:
    office = _office_for_write(scope, office_id)
    if not 0 <= staff_on_duty <= 500:
        raise ValidationFailed(errors=[FieldError("staff_on_duty", "must be between 0 and 500")])
    row, _ = StaffAvailability.objects.update_or_create(
        office_id=office.pk,
        day=day,
        defaults={"staff_on_duty": staff_on_duty, "note": note.strip()[:200]},
    )
    audit_record(
        actor=actor,
        action="office.staffing_set",
        object_type="office",
        object_ids=[office.pk],
        reason=f"{day.isoformat()} staff={staff_on_duty}",
    )
    return row
