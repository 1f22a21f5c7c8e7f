"""HTTP API of scheduling: office capacity, appointments (officer and participant side), the
backlog report and the planner. Thin: parse, authorize, call one service or selector."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from atd.core.api import principal_of, scope_of
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES
from atd.scheduling import planner, selectors, services

router = Router(tags=["scheduling"])


# --- schemas ---------------------------------------------------------------------------------


class CapacityOut(Schema):
    office_id: int
    office_code: str
    timezone: str
    slots_per_staff_day: int
    staff_on_duty: int
    open_weekdays: list[int]
    slot_minutes: int
    day_start: time


class CapacityIn(Schema):
    slots_per_staff_day: int = Field(ge=0, le=200)
    staff_on_duty: int = Field(ge=0, le=500)
    open_weekdays: list[int] = Field(default=[0, 1, 2, 3, 4])
    slot_minutes: int = Field(default=30, ge=5, le=240)
    day_start: time = time(8, 30)


class HolidayIn(Schema):
    day: date
    name: str = Field(min_length=1, max_length=100)


class StaffingIn(Schema):
    day: date
    staff_on_duty: int = Field(ge=0, le=500)
    note: str = Field(default="", max_length=200)


class DayOptionOut(Schema):
    day: date
    free: int


class AppointmentOut(Schema):
    id: int
    participant_id: int
    office_id: int
    kind: str
    status: str
    day: date
    starts_at: datetime
    due_date: date
    deadline: date
    is_late: bool
    booked_by: str
    reschedule_count: int


class BookIn(Schema):
    day: date
    reason: str = Field(min_length=1, max_length=300)


class RescheduleIn(Schema):
    day: date
    reason: str = Field(default="", max_length=300)


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class BacklogOut(Schema):
    office_id: int
    office_code: str
    office_name: str
    today: date
    last_booked: date | None
    backlog_days: int
    booked: int | None
    late: int


class LateOut(Schema):
    appointment_id: int
    participant_id: int
    kind: str
    day: date
    deadline: date
    days_late: int


class LatePage(Schema):
    count: int
    items: list[LateOut]


class PlannerRowOut(Schema):
    min_days: int | None
    moved: int
    last_day: date | None
    horizon_days: int
    late: int
    unplaced: int


class MovedOut(Schema):
    participant_id: int
    compliance_days: int
    checkins: int


class PlannerOut(Schema):
    office_id: int
    today: date
    compliance_basis: str
    chosen: int
    current_last_booked: date | None
    current_backlog_days: int
    rows: list[PlannerRowOut]
    moved: list[MovedOut]


class PlannerQuery(Schema):
    min_days: int = Field(default=180, ge=0, le=10_000)


class SchedulerRunOut(Schema):
    office_id: int
    considered: int
    already_booked: int
    booked: int
    late: int
    unplaced: int
    last_day: date | None


# --- offices and capacity --------------------------------------------------------------------


def _capacity_out(office: Any) -> dict[str, Any]:
    spec = selectors.capacity_spec(office.pk)
    return {
        "office_id": office.pk,
        "office_code": office.code,
        "timezone": office.timezone,
        "slots_per_staff_day": spec.slots_per_staff_day,
        "staff_on_duty": spec.staff_on_duty,
        "open_weekdays": sorted(spec.open_weekdays),
        "slot_minutes": spec.slot_minutes,
        "day_start": spec.day_start,
    }


@router.get("/offices", response=list[CapacityOut])
def office_capacity_list(request: HttpRequest) -> list[dict[str, Any]]:
    scope = scope_of(request)
    scope.require(*selectors.OFFICE_READ_ROLES)
    return [_capacity_out(o) for o in selectors.offices_in_scope(scope)]


@router.get("/offices/{office_id}/capacity", response=CapacityOut)
def office_capacity_detail(request: HttpRequest, office_id: int) -> dict[str, Any]:
    scope = scope_of(request)
    scope.require(*selectors.OFFICE_READ_ROLES)
    return _capacity_out(selectors.office_get_in_scope(scope=scope, office_id=office_id))


@router.put("/offices/{office_id}/capacity", response=CapacityOut)
def office_capacity_set(request: HttpRequest, office_id: int, payload: CapacityIn) -> Any:
    scope = scope_of(request)
    services.capacity_set(
        actor=principal_of(request),
        scope=scope,
        office_id=office_id,
        slots_per_staff_day=payload.slots_per_staff_day,
        staff_on_duty=payload.staff_on_duty,
        open_weekdays=payload.open_weekdays,
        slot_minutes=payload.slot_minutes,
        day_start=payload.day_start,
    )
    return _capacity_out(selectors.office_get(office_id))


@router.post("/offices/{office_id}/holidays", response={201: HolidayIn})
def office_holiday_set(request: HttpRequest, office_id: int, payload: HolidayIn) -> Any:
    row = services.holiday_set(
        actor=principal_of(request),
        scope=scope_of(request),
        office_id=office_id,
        day=payload.day,
        name=payload.name,
    )
    return 201, {"day": row.day, "name": row.name}


@router.post("/offices/{office_id}/staffing", response={201: StaffingIn})
def office_staffing_set(request: HttpRequest, office_id: int, payload: StaffingIn) -> Any:
    row = services.staffing_set(
        actor=principal_of(request),
        scope=scope_of(request),
        office_id=office_id,
        day=payload.day,
        staff_on_duty=payload.staff_on_duty,
        note=payload.note,
    )
    return 201, {"day": row.day, "staff_on_duty": row.staff_on_duty, "note": row.note}


@router.get("/offices/{office_id}/free-days", response=list[DayOptionOut])
def office_free_days(request: HttpRequest, office_id: int) -> list[Any]:
    scope = scope_of(request)
    scope.require(*selectors.OFFICE_READ_ROLES)
    office = selectors.office_get_in_scope(scope=scope, office_id=office_id)
    return selectors.day_options(office, start=selectors.office_today(office), count=20)


@router.post("/offices/{office_id}/schedule", response=SchedulerRunOut)
def office_schedule(request: HttpRequest, office_id: int) -> Any:
    """Runs the automatic scheduler for one office now (it also runs daily)."""
    scope = scope_of(request)
    scope.require(*selectors.OFFICE_WRITE_ROLES)
    selectors.office_get_in_scope(scope=scope, office_id=office_id)
    return services.appointments_schedule_office(actor=principal_of(request), office_id=office_id)


# --- backlog and planner ---------------------------------------------------------------------


@router.get("/backlog", response=list[BacklogOut])
def backlog(request: HttpRequest) -> list[dict[str, Any]]:
    scope = scope_of(request)
    scope.require(*selectors.OFFICE_READ_ROLES)
    return [
        {
            "office_id": row.office.pk,
            "office_code": row.office.code,
            "office_name": row.office.name,
            "today": row.today,
            "last_booked": row.horizon.last_booked,
            "backlog_days": row.horizon.backlog_days,
            "booked": row.horizon.booked,
            "late": row.horizon.late,
        }
        for row in selectors.backlog_report(scope)
    ]


@router.get("/offices/{office_id}/late", response=LatePage)
def office_late(request: HttpRequest, office_id: int) -> dict[str, Any]:
    scope = scope_of(request)
    scope.require(*selectors.OFFICE_READ_ROLES)
    items, total = selectors.late_appointments_read(
        scope=scope, actor=principal_of(request), office_id=office_id
    )
    return {
        "count": total,
        "items": [
            {
                "appointment_id": i.appointment_id,
                "participant_id": i.participant_id,
                "kind": i.kind,
                "day": i.day,
                "deadline": i.deadline,
                "days_late": i.days_late,
            }
            for i in items
        ],
    }


@router.get("/offices/{office_id}/planner", response=PlannerOut)
def office_planner(
    request: HttpRequest, office_id: int, query: Query[PlannerQuery]
) -> dict[str, Any]:
    view = planner.planner_read(
        scope=scope_of(request),
        actor=principal_of(request),
        office_id=office_id,
        min_days=query.min_days,
    )
    return {
        "office_id": view.office.pk,
        "today": view.today,
        "compliance_basis": view.compliance_basis,
        "chosen": view.chosen,
        "current_last_booked": view.current.last_booked,
        "current_backlog_days": view.current.backlog_days,
        "rows": view.rows,
        "moved": view.moved,
    }


# --- appointments ----------------------------------------------------------------------------


@router.get("/participants/{participant_id}/appointments", response=list[AppointmentOut])
def participant_appointments(request: HttpRequest, participant_id: int) -> list[Any]:
    scope = scope_of(request)
    scope.require(*STAFF_CASE_ROLES, Role.PARTICIPANT)
    return selectors.appointment_list_read(
        scope=scope, actor=principal_of(request), participant_id=participant_id
    )


@router.post("/participants/{participant_id}/appointments", response={201: AppointmentOut})
def participant_appointment_book(request: HttpRequest, participant_id: int, payload: BookIn) -> Any:
    appointment = services.appointment_book(
        actor=principal_of(request),
        scope=scope_of(request),
        participant_id=participant_id,
        day=payload.day,
        reason=payload.reason,
    )
    return 201, appointment


@router.get("/me/appointments", response=list[AppointmentOut])
def my_appointments(request: HttpRequest) -> list[Any]:
    """The signed-in participant's upcoming appointments (the portal reads this)."""
    scope = scope_of(request)
    scope.require(Role.PARTICIPANT)
    return selectors.appointment_list_read(
        scope=scope,
        actor=principal_of(request),
        participant_id=scope.participant_id or -1,
        upcoming_only=True,
    )


@router.get("/appointments/{appointment_id}", response=AppointmentOut)
def appointment_detail(request: HttpRequest, appointment_id: int) -> Any:
    scope = scope_of(request)
    scope.require(*STAFF_CASE_ROLES, Role.PARTICIPANT)
    return selectors.appointment_read(
        scope=scope, actor=principal_of(request), appointment_id=appointment_id
    )


@router.get("/appointments/{appointment_id}/free-days", response=list[DayOptionOut])
def appointment_free_days(request: HttpRequest, appointment_id: int) -> list[Any]:
    """Days the appointment could move to (from tomorrow, office time)."""
    scope = scope_of(request)
    scope.require(*STAFF_CASE_ROLES, Role.PARTICIPANT)
    appointment = selectors.appointment_get_in_scope(scope=scope, appointment_id=appointment_id)
    office = selectors.office_get(appointment.office_id)
    first, _ = selectors.scheduling_dates(office)
    return selectors.day_options(office, start=first, count=20)


@router.post("/appointments/{appointment_id}/reschedule", response=AppointmentOut)
def appointment_reschedule(request: HttpRequest, appointment_id: int, payload: RescheduleIn) -> Any:
    return services.appointment_reschedule(
        actor=principal_of(request),
        scope=scope_of(request),
        appointment_id=appointment_id,
        day=payload.day,
        reason=payload.reason,
    )


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut)
def appointment_cancel(request: HttpRequest, appointment_id: int, payload: CancelIn) -> Any:
    return services.appointment_cancel(
        actor=principal_of(request),
        scope=scope_of(request),
        appointment_id=appointment_id,
        reason=payload.reason,
    )
