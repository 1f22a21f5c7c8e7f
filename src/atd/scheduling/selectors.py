"""Reads of office capacity, appointments, the in-person demand and the backlog horizon.

Offices are visible to staff of that office and to admins; appointments follow the caller's
participant scope. Reads that name participants are audited (`*_read`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, QuerySet

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people import selectors as people
from atd.scheduling import rules
from atd.scheduling.choices import AppointmentKind, AppointmentStatus
from atd.scheduling.models import Appointment, OfficeCapacity, OfficeHoliday, StaffAvailability
from atd.supervision import selectors as supervision

OFFICE_READ_ROLES = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
OFFICE_WRITE_ROLES = (Role.SUPERVISOR, Role.ADMIN)
SYSTEM_SCOPE = Scope(role=Role.ADMIN, user_id=None, office_id=None)


# --- offices and capacity ------------------------------------------------------------------


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


# --- appointments --------------------------------------------------------------------------


def appointment_queryset_in_scope(scope: Scope) -> QuerySet[Appointment]:
    if not scope.sees_cases:
        return Appointment.objects.none()
    if scope.role == Role.ADMIN:
        return Appointment.objects.all()
    return Appointment.objects.filter(participant_id__in=people.participant_ids_in_scope(scope))


def appointment_get_in_scope(
    *, scope: Scope, appointment_id: int, for_update: bool = False
) -> Appointment:
    qs = appointment_queryset_in_scope(scope).filter(pk=appointment_id)
    if for_update:
        qs = qs.select_for_update()
    appointment = qs.first()
    if appointment is None:
        raise NotFound()
    return appointment


def appointment_read(*, scope: Scope, actor: Any, appointment_id: int) -> Appointment:
    appointment = appointment_queryset_in_scope(scope).filter(pk=appointment_id).first()
    audit_record(
        actor=actor,
        action="appointment.read",
        object_type="appointment",
        object_ids=[appointment_id],
        outcome="ok" if appointment else "not_found",
    )
    if appointment is None:
        raise NotFound()
    return appointment


def appointment_list_read(
    *, scope: Scope, actor: Any, participant_id: int, upcoming_only: bool = False
) -> list[Appointment]:
    """One participant's appointments (newest first, or upcoming soonest first)."""
    if not people.participant_exists_in_scope(scope=scope, participant_id=participant_id):
        audit_record(
            actor=actor,
            action="appointment.list",
            object_type="participant",
            object_ids=[participant_id],
            outcome="not_found",
        )
        raise NotFound()
    qs = appointment_queryset_in_scope(scope).filter(participant_id=participant_id)
    if upcoming_only:
        today = clock.now().date() - timedelta(days=1)  # any office's today is on or after this
        qs = qs.filter(status=AppointmentStatus.BOOKED, day__gte=today).order_by("starts_at")
    else:
        qs = qs.order_by("-day", "-slot")
    items = list(qs[:200])
    audit_record(
        actor=actor,
        action="appointment.list",
        object_type="participant",
        object_ids=[participant_id],
    )
    return items


def appointment_is_upcoming(appointment: Appointment) -> bool:
    return appointment.status == AppointmentStatus.BOOKED and appointment.starts_at > clock.now()


# --- in-person demand ----------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeDemand:
    obligations: list[rules.Obligation]
    compliance_days: dict[int, int]  # participant -> days under supervision (planner input)


def office_demand(office_id: int, today: date) -> OfficeDemand:
    """What the office must see in person: first reports of people who have not reported yet
    and the in-person check-ins of plans with checkin_mode "in_person".

    Plans are read one participant at a time through supervision's public selector (it has
    no bulk reader yet); the bench feeds its own demand straight to the booking service."""
    cases = (
        people.case_queryset_in_scope(SYSTEM_SCOPE)
        .filter(office_id=office_id)
        .exclude(status="closed")
        .values_list("participant_id", "release_date", "status")
    )
    obligations: list[rules.Obligation] = []
    compliance: dict[int, int] = {}
    for participant_id, release_date, status in cases:
        compliance[participant_id] = rules.compliance_days_under_supervision(release_date, today)
        if status == "pending_first_report":
            obligations.append(
                rules.first_report_obligation(
                    participant_id=participant_id,
                    release_date=release_date,
                    today=today,
                    report_by_days=settings.ATD_REPORT_BY_DAYS,
                )
            )
        plan = supervision.plan_current(participant_id)
        if plan is not None and plan.checkin_mode == "in_person":
            obligations.extend(
                rules.checkin_obligations(
                    participant_id=participant_id,
                    plan_start=plan.start_date,
                    cadence_days=plan.cadence_days,
                    today=today,
                    horizon_days=settings.ATD_SCHEDULING_HORIZON_DAYS,
                    grace_before_days=settings.ATD_SCHEDULING_GRACE_BEFORE_DAYS,
                    grace_after_days=settings.ATD_SCHEDULING_GRACE_AFTER_DAYS,
                )
            )
    return OfficeDemand(obligations=obligations, compliance_days=compliance)


def booked_obligation_keys(office_id: int, since: date) -> set[tuple[int, str, date]]:
    rows = Appointment.objects.filter(
        office_id=office_id, status=AppointmentStatus.BOOKED, due_date__gte=since
    ).values_list("participant_id", "kind", "due_date")
    return set(rows.iterator(chunk_size=10_000))


# --- backlog horizon -----------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeBacklog:
    office: Any
    today: date
    horizon: rules.Horizon


def backlog_report(scope: Scope, *, office_id: int | None = None) -> list[OfficeBacklog]:
    """Per visible office: last booked day, days of backlog and people booked after their
    deadline (from each office's today). Counts only, no personal data: not audited.

    Built to stay fast at millions of appointments: the last day is one index seek per office
    (MAX over the slot constraint's (office, day, slot) index) and the late count reads only
    the partial index of late rows. The number booked needs a range count, so it is only
    given for a single office (`office_id`)."""
    offices = offices_in_scope(scope)
    if office_id is not None:
        offices = [o for o in offices if o.pk == office_id]
    if not offices:
        return []
    todays = {o.pk: office_today(o) for o in offices}
    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED)
    late_qs = booked.filter(is_late=True, day__gte=min(todays.values()))
    if scope.role != Role.ADMIN or office_id is not None:
        late_qs = late_qs.filter(office_id__in=list(todays))
    late = dict(late_qs.values("office_id").annotate(n=Count("id")).values_list("office_id", "n"))
    out = []
    for office in offices:
        mine = booked.filter(office_id=office.pk)
        last = mine.aggregate(last=Max("day"))["last"]
        count = mine.filter(day__gte=todays[office.pk]).count() if office_id is not None else None
        out.append(
            OfficeBacklog(
                office=office,
                today=todays[office.pk],
                horizon=rules.backlog_horizon(
                    today=todays[office.pk],
                    last_booked=last,
                    booked=count,
                    late=late.get(office.pk, 0),
                ),
            )
        )
    out.sort(key=lambda row: -row.horizon.backlog_days)
    return out


@dataclass(frozen=True)
class LateAppointment:
    appointment_id: int
    participant_id: int
    name: str
    kind: str
    day: date
    deadline: date

    @property
    def days_late(self) -> int:
        return (self.day - self.deadline).days


def late_appointments_read(
    *, scope: Scope, actor: Any, office_id: int, limit: int = 200
) -> tuple[list[LateAppointment], int]:
    """People whose booked appointment falls after their deadline (worst first); audited."""
    office = office_get_in_scope(scope=scope, office_id=office_id)
    qs = Appointment.objects.filter(
        office_id=office.pk,
        status=AppointmentStatus.BOOKED,
        is_late=True,
        day__gte=office_today(office),
    )
    total = qs.count()
    rows = list(
        qs.order_by("deadline", "day").values_list(
            "pk", "participant_id", "kind", "day", "deadline"
        )[:limit]
    )
    names = participant_names(scope, {r[1] for r in rows})
    audit_record(
        actor=actor,
        action="appointment.late_list",
        object_type="participant",
        object_ids=sorted({r[1] for r in rows}),
        reason=f"late appointments office={office.pk}",
    )
    items = [
        LateAppointment(
            appointment_id=pk,
            participant_id=pid,
            name=names.get(pid, f"#{pid}"),
            kind=AppointmentKind(kind).label,
            day=day,
            deadline=deadline,
        )
        for pk, pid, kind, day, deadline in rows
    ]
    return items, total


def participant_names(scope: Scope, participant_ids: set[int]) -> dict[int, str]:
    """Display names of visible participants (callers audit the read)."""
    out: dict[int, str] = {}
    ids = sorted(participant_ids)
    for start in range(0, len(ids), 900):
        rows = (
            people.participant_queryset_in_scope(scope)
            .filter(pk__in=ids[start : start + 900])
            .values_list("pk", "given_names", "first_surname", "a_number")
        )
        for pk, given, surname, a_number in rows:
            out[pk] = f"{surname}, {given} ({a_number})"
    return out


def scheduling_dates(office: Any) -> tuple[date, datetime]:
    """The first bookable day (tomorrow, office time) and now."""
    return office_today(office) + timedelta(days=1), clock.now()
