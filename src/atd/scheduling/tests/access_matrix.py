"""Access matrix entries for scheduling (see atd.testing.access)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from atd.core import clock
from atd.scheduling.models import Appointment
from atd.testing.access import CASE_ROLES, SUPERVISION_ROLES, Rule
from atd.testing.world import World

OFFICE_ROLES = CASE_ROLES
APPOINTMENT_ROLES = CASE_ROLES | {"participant"}


def next_weekday(days_ahead: int) -> date:
    day = clock.now().date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def office_ids(world: World, role: str) -> tuple[int | None, int]:
    inside = world.office_a.pk if role in OFFICE_ROLES else None
    return inside, world.office_b.pk


def _appointment(participant: Any, office: Any) -> int:
    day = next_weekday(5)
    now = clock.now()
    starts = datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(office.timezone))
    slot = Appointment.objects.filter(office=office, day=day).count()
    return Appointment.objects.create(
        participant=participant,
        office=office,
        kind="ad_hoc",
        day=day,
        slot=slot,
        starts_at=starts,
        due_date=day,
        deadline=day,
        booked_by="officer",
        created_at=now,
        updated_at=now,
    ).pk


def appointment_ids(world: World, role: str) -> tuple[int | None, int]:
    owner = {
        "case_officer": "officer_a",
        "contractor_specialist": "specialist_a",
        "supervisor": "officer_a",
        "admin": "officer_a",
        "participant": "officer_a",
    }.get(role)
    inside = _appointment(world.participants[owner], world.office_a) if owner else None
    return inside, _appointment(world.participants["office_b"], world.office_b)


def _day_body(world: World) -> dict[str, Any]:
    return {"day": next_weekday(8).isoformat(), "reason": "access check"}


OBJECTS = {"office_id": office_ids, "appointment_id": appointment_ids}

FORM_OK = frozenset({302})

ENDPOINTS = {
    "GET /api/scheduling/offices/{office_id}/capacity": Rule(roles=OFFICE_ROLES),
    "PUT /api/scheduling/offices/{office_id}/capacity": Rule(
        roles=SUPERVISION_ROLES,
        body={"slots_per_staff_day": 12, "staff_on_duty": 2, "open_weekdays": [0, 1, 2, 3, 4]},
    ),
    "POST /api/scheduling/offices/{office_id}/holidays": Rule(
        roles=SUPERVISION_ROLES, body={"day": "2030-07-04", "name": "Closure"}
    ),
    "POST /api/scheduling/offices/{office_id}/staffing": Rule(
        roles=SUPERVISION_ROLES, body={"day": "2030-07-05", "staff_on_duty": 1}
    ),
    "GET /api/scheduling/offices/{office_id}/free-days": Rule(roles=OFFICE_ROLES),
    "POST /api/scheduling/offices/{office_id}/schedule": Rule(roles=SUPERVISION_ROLES),
    "GET /api/scheduling/offices/{office_id}/late": Rule(roles=OFFICE_ROLES),
    "GET /api/scheduling/offices/{office_id}/planner": Rule(roles=OFFICE_ROLES),
    "GET /api/scheduling/participants/{participant_id}/appointments": Rule(roles=APPOINTMENT_ROLES),
    "POST /api/scheduling/participants/{participant_id}/appointments": Rule(
        roles=CASE_ROLES, body=_day_body
    ),
    "GET /api/scheduling/appointments/{appointment_id}": Rule(roles=APPOINTMENT_ROLES),
    "GET /api/scheduling/appointments/{appointment_id}/free-days": Rule(roles=APPOINTMENT_ROLES),
    "POST /api/scheduling/appointments/{appointment_id}/reschedule": Rule(
        roles=APPOINTMENT_ROLES, body=_day_body
    ),
    "POST /api/scheduling/appointments/{appointment_id}/cancel": Rule(
        roles=APPOINTMENT_ROLES, body={"reason": "access check"}
    ),
    # Console pages.
    "GET /scheduling/offices/<office_id>/": Rule(roles=OFFICE_ROLES),
    "GET /scheduling/offices/<office_id>/planner/": Rule(roles=OFFICE_ROLES),
    "POST /scheduling/offices/<office_id>/capacity/": Rule(
        roles=SUPERVISION_ROLES,
        body={"slots_per_staff_day": 12, "staff_on_duty": 2, "open_weekdays": 1},
        content_type="form",
        ok_statuses=FORM_OK,
    ),
    "POST /scheduling/offices/<office_id>/holidays/": Rule(
        roles=SUPERVISION_ROLES,
        body={"day": "2030-07-04", "name": "Closure"},
        content_type="form",
        ok_statuses=FORM_OK,
    ),
    "POST /scheduling/offices/<office_id>/staffing/": Rule(
        roles=SUPERVISION_ROLES,
        body={"day": "2030-07-05", "staff_on_duty": 1},
        content_type="form",
        ok_statuses=FORM_OK,
    ),
    "POST /scheduling/offices/<office_id>/schedule/": Rule(
        roles=SUPERVISION_ROLES, content_type="form", ok_statuses=FORM_OK
    ),
    "GET /scheduling/participants/<participant_id>/": Rule(roles=CASE_ROLES),
    "POST /scheduling/participants/<participant_id>/book/": Rule(
        roles=CASE_ROLES, body=_day_body, content_type="form", ok_statuses=FORM_OK
    ),
    "POST /scheduling/appointments/<appointment_id>/reschedule/": Rule(
        roles=APPOINTMENT_ROLES, body=_day_body, content_type="form", ok_statuses=FORM_OK
    ),
    "POST /scheduling/appointments/<appointment_id>/cancel/": Rule(
        roles=APPOINTMENT_ROLES,
        body={"reason": "access check"},
        content_type="form",
        ok_statuses=FORM_OK,
    ),
}
