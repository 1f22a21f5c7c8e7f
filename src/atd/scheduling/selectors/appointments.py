"""Reads of appointments, scoped to the caller's participants; reads naming people are audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet

from atd.core import clock
from atd.core.audit import audit_record, read_one_audited
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people import selectors as people
from atd.scheduling.choices import AppointmentStatus
from atd.scheduling.models import Appointment


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
    return read_one_audited(
        appointment_queryset_in_scope(scope),
        pk=appointment_id,
        actor=actor,
        action="appointment.read",
        object_type="appointment",
    )


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
    booked = qs.filter(status=AppointmentStatus.BOOKED)
    if upcoming_only:
        today = clock.now().date() - timedelta(days=1)  # any office's today is on or after this
        items = list(booked.filter(day__gte=today).order_by("starts_at")[:200])
    else:
        # No index holds all of one participant's rows (models.Appointment): the booked ones
        # are read through the obligation index, the others through the history index.
        others = qs.exclude(status=AppointmentStatus.BOOKED)
        items = list(booked.union(others, all=True).order_by("-day", "-slot")[:200])
    audit_record(
        actor=actor,
        action="appointment.list",
        object_type="participant",
        object_ids=[participant_id],
    )
    return items


def appointment_is_upcoming(appointment: Appointment) -> bool:
    return appointment.status == AppointmentStatus.BOOKED and appointment.starts_at > clock.now()


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
