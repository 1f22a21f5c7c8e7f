"""Booking, rescheduling and cancelling one appointment, by an officer or the participant.

Bookings in one office are serialised by locking the office row; the partial unique
constraint on (office, day, slot) is the final word if two writers still race."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.people import selectors as people
from atd.scheduling import rules, selectors
from atd.scheduling.choices import AppointmentKind, AppointmentStatus, BookedBy
from atd.scheduling.models import Appointment


def _lock_office(office_id: int) -> Any:
    office = people.office_list().select_for_update().filter(pk=office_id).first()
    if office is None:
        raise NotFound()
    return office


def slot_starts_at(calendar: selectors.OfficeCalendar, day: date, slot: int) -> datetime:
    local = rules.slot_local_time(calendar.spec, slot, calendar.staff_on(day))
    return datetime.combine(day, local, tzinfo=ZoneInfo(calendar.timezone))


def _first_free_slot(office: Any, day: date) -> tuple[int, datetime]:
    calendar = selectors.office_calendar(office, day, 1)
    taken = selectors.booked_slots(office.pk, day).get(day, set())
    free = rules.free_slot_numbers(int(calendar.capacity[0]), taken)
    if not free:
        raise Conflict(detail=f"no free slot at this office on {day.isoformat()}")
    return free[0], slot_starts_at(calendar, day, free[0])


def _check_day(office: Any, day: date, *, earliest: date) -> None:
    last = earliest + timedelta(days=settings.ATD_SCHEDULING_CALENDAR_DAYS)
    if not earliest <= day <= last:
        raise ValidationFailed(
            errors=[FieldError("day", f"must be between {earliest} and {last} (office time)")]
        )


def _office_of(participant_id: int) -> int:
    routing = people.case_routing_for_participants([participant_id]).get(participant_id)
    if routing is None:
        raise ValidationFailed(detail="this participant has no case, so no office to report to")
    return routing[1]


@transaction.atomic
def appointment_book(
    *, actor: Any, scope: Scope, participant_id: int, day: date, reason: str
) -> Appointment:
    """An officer books an appointment at the participant's case office on `day`."""
    scope.require(*STAFF_CASE_ROLES)
    people.participant_get_in_scope(scope=scope, participant_id=participant_id)
    if not reason.strip():
        raise ValidationFailed(errors=[FieldError("reason", "say why the appointment is booked")])
    office = _lock_office(_office_of(participant_id))
    _check_day(office, day, earliest=selectors.office_today(office))
    slot, starts_at = _first_free_slot(office, day)
    now = clock.now()
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                participant_id=participant_id,
                office_id=office.pk,
                kind=AppointmentKind.AD_HOC,
                day=day,
                slot=slot,
                starts_at=starts_at,
                due_date=day,
                deadline=day,
                is_late=False,
                booked_by=BookedBy.OFFICER,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise Conflict(
            detail="the participant already has an appointment booked that day"
        ) from None
    audit_record(
        actor=actor,
        action="appointment.book",
        object_type="appointment",
        object_ids=[appointment.pk],
        reason=f"participant={participant_id} {reason.strip()}",
    )
    return appointment


def _changeable(scope: Scope, appointment_id: int) -> Appointment:
    scope.require(*STAFF_CASE_ROLES, Role.PARTICIPANT)
    appointment = selectors.appointment_get_in_scope(
        scope=scope, appointment_id=appointment_id, for_update=True
    )
    if not selectors.appointment_is_upcoming(appointment):
        raise Conflict(detail=_("only an upcoming booked appointment can be changed"))
    return appointment


@transaction.atomic
def appointment_reschedule(
    *, actor: Any, scope: Scope, appointment_id: int, day: date, reason: str = ""
) -> Appointment:
    """Moves the appointment to the first free slot of `day`. A participant may choose from
    tomorrow on; the lateness flag follows the new day."""
    appointment = _changeable(scope, appointment_id)
    office = _lock_office(appointment.office_id)
    today = selectors.office_today(office)
    earliest = today + timedelta(days=1) if scope.role == Role.PARTICIPANT else today
    _check_day(office, day, earliest=earliest)
    if day == appointment.day:
        return appointment
    slot, starts_at = _first_free_slot(office, day)
    previous = appointment.day
    appointment.day = day
    appointment.slot = slot
    appointment.starts_at = starts_at
    appointment.is_late = rules.is_late(day, appointment.deadline)
    appointment.reschedule_count += 1
    appointment.updated_at = clock.now()
    try:
        with transaction.atomic():
            appointment.save(
                update_fields=[
                    "day",
                    "slot",
                    "starts_at",
                    "is_late",
                    "reschedule_count",
                    "updated_at",
                ]
            )
    except IntegrityError:
        raise Conflict(detail=_("that slot was just taken; choose the day again")) from None
    audit_record(
        actor=actor,
        action="appointment.reschedule",
        object_type="appointment",
        object_ids=[appointment.pk],
        reason=f"{previous.isoformat()} -> {day.isoformat()} {reason.strip()}".strip(),
    )
    return appointment


@transaction.atomic
def appointment_cancel(
    *, actor: Any, scope: Scope, appointment_id: int, reason: str
) -> Appointment:
    """Frees the slot. A check-in or first report stays due: the next scheduler run books it
    again unless the plan no longer asks for it in person."""
    if not reason.strip():
        raise ValidationFailed(errors=[FieldError("reason", _("say why it is cancelled"))])
    appointment = _changeable(scope, appointment_id)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason.strip()[:300]
    appointment.updated_at = clock.now()
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="appointment.cancel",
        object_type="appointment",
        object_ids=[appointment.pk],
        reason=reason.strip(),
    )
    return appointment


@transaction.atomic
def appointment_record_outcome(
    *, actor: Any, scope: Scope, appointment_id: int, attended: bool
) -> Appointment:
    """Marks a booked appointment attended or missed, from its day on (office time). Meant for
    the check-ins app when an officer records an in-person check-in or a window closes."""
    scope.require(*STAFF_CASE_ROLES)
    appointment = selectors.appointment_get_in_scope(
        scope=scope, appointment_id=appointment_id, for_update=True
    )
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(detail="only a booked appointment can be marked attended or missed")
    if appointment.day > selectors.office_today(selectors.office_get(appointment.office_id)):
        raise Conflict(detail="an appointment can be marked only on or after its day")
    appointment.status = AppointmentStatus.ATTENDED if attended else AppointmentStatus.MISSED
    appointment.updated_at = clock.now()
    appointment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="appointment.attended" if attended else "appointment.missed",
        object_type="appointment",
        object_ids=[appointment.pk],
    )
    return appointment


def appointments_release_on_move(
    *, actor: Any, participant_id: int, from_office_id: int, to_office_id: int, reason: str
) -> int:
    """The participant's case moved to another office (run by people's `case_reassign`, in its
    transaction): their booked appointments at the old office from today on (its time) are
    cancelled, so the slots free up there and the new office's next scheduler run books the
    same check-ins (the one-booking-per-obligation key would otherwise refuse them). Returns
    how many were cancelled."""
    old = selectors.office_get(from_office_id)
    rows = Appointment.objects.select_for_update().filter(
        participant_id=participant_id,
        office_id=from_office_id,
        status=AppointmentStatus.BOOKED,
        day__gte=selectors.office_today(old),
    )
    ids = sorted(rows.values_list("pk", flat=True))
    if not ids:
        return 0
    why = f"moved to office {to_office_id}: {reason}"[:300]
    Appointment.objects.filter(pk__in=ids).update(
        status=AppointmentStatus.CANCELLED, cancel_reason=why, updated_at=clock.now()
    )
    audit_record(
        actor=actor,
        action="appointment.cancel",
        object_type="appointment",
        object_ids=ids[:100],
        reason=f"{len(ids)} appointment(s) of participant {participant_id}: {why}",
    )
    return len(ids)
