"""Reads of offices, their capacity calendars and free days."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings

from atd.core import clock
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people import selectors as people
from atd.scheduling import rules
from atd.scheduling.choices import AppointmentStatus
from atd.scheduling.models import Appointment, OfficeCapacity, OfficeHoliday, StaffAvailability

OFFICE_READ_ROLES = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
OFFICE_WRITE_ROLES = (Role.SUPERVISOR, Role.ADMIN)
SYSTEM_SCOPE = Scope.system()


def offices_in_scope(scope: Scope) -> list[Any]:
    offices = people.office_list()
    if scope.role == Role.ADMIN:
        return list(offices)
    if scope.role in OFFICE_READ_ROLES and scope.office_id is not None:
        return list(offices.filter(pk=scope.office_id))
    return []


def office_get_in_scope(*, scope: Scope, office_id: int) -> Any:
    office = people.office_list().filter(pk=office_id).first()
    visible = scope.role == Role.ADMIN or (
        scope.role in OFFICE_READ_ROLES and scope.office_id == office_id
    )
    if office is None or not visible:
        raise NotFound()
    return office


def office_get(office_id: int) -> Any:
    office = people.office_list().filter(pk=office_id).first()
    if office is None:
        raise NotFound()
    return office


def office_today(office: Any) -> date:
    """Today in the office's own timezone: an office's day is what it can book."""
    return clock.now().astimezone(ZoneInfo(office.timezone)).date()


def capacity_spec(office_id: int) -> rules.CapacitySpec:
    row = OfficeCapacity.objects.filter(office_id=office_id).first()
    if row is None:
        return rules.CapacitySpec(
            slots_per_staff_day=settings.ATD_SCHEDULING_DEFAULT_SLOTS_PER_STAFF_DAY,
            staff_on_duty=settings.ATD_SCHEDULING_DEFAULT_STAFF,
        )
    return rules.CapacitySpec(
        slots_per_staff_day=row.slots_per_staff_day,
        staff_on_duty=row.staff_on_duty,
        open_weekdays=frozenset(row.open_weekdays),
        slot_minutes=row.slot_minutes,
        day_start=row.day_start,
    )


@dataclass(frozen=True)
class OfficeCalendar:
    """An office's capacity from `start`, one entry per day, and what shapes it."""

    office_id: int
    timezone: str
    start: date
    spec: rules.CapacitySpec
    capacity: Any  # numpy int64 array, slots per day
    holidays: dict[date, str]
    staff_overrides: dict[date, int]

    def staff_on(self, day: date) -> int:
        return self.staff_overrides.get(day, self.spec.staff_on_duty)

    def day_of(self, index: int) -> date:
        return self.start + timedelta(days=index)


def office_calendar(office: Any, start: date, days: int) -> OfficeCalendar:
    end = start + timedelta(days=days)
    holidays = dict(
        OfficeHoliday.objects.filter(office_id=office.pk, day__gte=start, day__lt=end).values_list(
            "day", "name"
        )
    )
    overrides = dict(
        StaffAvailability.objects.filter(
            office_id=office.pk, day__gte=start, day__lt=end
        ).values_list("day", "staff_on_duty")
    )
    spec = capacity_spec(office.pk)
    return OfficeCalendar(
        office_id=office.pk,
        timezone=office.timezone,
        start=start,
        spec=spec,
        capacity=rules.capacity_calendar(
            spec, start, days, holidays=set(holidays), staff_overrides=overrides
        ),
        holidays=holidays,
        staff_overrides=overrides,
    )


def holidays_upcoming(office_id: int, today: date, limit: int = 50) -> list[OfficeHoliday]:
    return list(
        OfficeHoliday.objects.filter(office_id=office_id, day__gte=today).order_by("day")[:limit]
    )


def staffing_upcoming(office_id: int, today: date, limit: int = 50) -> list[StaffAvailability]:
    return list(
        StaffAvailability.objects.filter(office_id=office_id, day__gte=today).order_by("day")[
            :limit
        ]
    )


def booked_slots(office_id: int, start: date) -> dict[date, set[int]]:
    """Slot numbers already booked per day from `start`."""
    out: dict[date, set[int]] = defaultdict(set)
    rows = Appointment.objects.filter(
        office_id=office_id, status=AppointmentStatus.BOOKED, day__gte=start
    ).values_list("day", "slot")
    for day, slot in rows.iterator(chunk_size=10_000):
        out[day].add(slot)
    return dict(out)


def free_capacity(calendar: OfficeCalendar, taken: dict[date, set[int]]) -> Any:
    free = calendar.capacity.copy()
    for day, slots in taken.items():
        i = (day - calendar.start).days
        if 0 <= i < free.shape[0]:
            free[i] = max(int(free[i]) - len(slots), 0)
    return free


@dataclass(frozen=True)
class DayOption:
    day: date
    free: int


def day_options(office: Any, *, start: date, count: int = 10) -> list[DayOption]:
    """The next `count` days with a free slot, however far ahead (a backlogged office's first
    free day may be years away)."""
    days = settings.ATD_SCHEDULING_CALENDAR_DAYS
    calendar = office_calendar(office, start, days)
    free = free_capacity(calendar, booked_slots(office.pk, start))
    indexes = np.flatnonzero(free > 0)[:count]
    return [DayOption(day=calendar.day_of(int(i)), free=int(free[i])) for i in indexes]


def scheduling_dates(office: Any) -> tuple[date, datetime]:
    """The first bookable day (tomorrow, office time) and now."""
    return office_today(office) + timedelta(days=1), clock.now()
