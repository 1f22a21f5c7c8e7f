"""Departure assistance services: a participant's request from the portal (with a task for
their officer), open a case, track the travel document, confirm the departure with how it was
verified (which records the legal status and so closes the supervision case)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.court.choices import DepartureRequestedVia, DepartureStatus, TravelDocumentStatus
from atd.court.models import DepartureCase
from atd.court.rules import departure_verification_problem
from atd.court.services import legal_status_record
from atd.devices.selectors import devices_for_participants
from atd.people.selectors import case_get_in_scope, case_queryset_in_scope
from atd.supervision import selectors as supervision_selectors
from atd.supervision.services import device_returns_open

DEVICE_TECHNOLOGIES = frozenset({"gps_ankle", "wrist"})


def departure_queryset_in_scope(scope: Scope) -> QuerySet[DepartureCase]:
    return DepartureCase.objects.filter(case_id__in=case_queryset_in_scope(scope).values("pk"))


def _for_update(scope: Scope, departure_id: int) -> DepartureCase:
    row = departure_queryset_in_scope(scope).select_for_update().filter(pk=departure_id).first()
    if row is None:
        raise NotFound()
    return row


@transaction.atomic
def departure_open(*, actor: Any, scope: Scope, case_id: int, note: str = "") -> DepartureCase:
    scope.require(*STAFF_CASE_ROLES)
    case = case_get_in_scope(scope=scope, case_id=case_id)
    if case.status == "closed":
        raise Conflict(detail="the case is closed")
    try:
        with transaction.atomic():
            row = DepartureCase.objects.create(
                participant_id=case.participant_id,
                case=case,
                note=note.strip()[:500],
                opened_at=clock.now(),
                opened_by=actor_for(actor).label,
            )
    except IntegrityError:
        raise Conflict(detail="a departure case is already open") from None
    audit_record(actor=actor, action="departure.open", object_type="departure", object_ids=[row.pk])
    return row


@transaction.atomic
def departure_request_from_portal(
    *, actor: Any, scope: Scope, statement: str = "", needs_travel_document: bool = False
) -> DepartureCase:
    """The participant asks for help with travel documents and departure: an open departure
    case for their open supervision case, with a task for the case's officer (due in
    ATD_DEPARTURE_TASK_DAYS days). One open departure case per case (the constraint decides)."""
    scope.require(Role.PARTICIPANT)
    case = (
        case_queryset_in_scope(scope)
        .filter(participant_id=scope.participant_id or -1)
        .exclude(status="closed")
        .order_by("-release_date")
        .first()
    )
    if case is None:
        raise Conflict(detail=_("there is no open case"))
    now = clock.now()
    days = int(getattr(settings, "ATD_DEPARTURE_TASK_DAYS", 3))
    try:
        with transaction.atomic():
            row = DepartureCase.objects.create(
                participant_id=case.participant_id,
                case=case,
                requested_via=DepartureRequestedVia.PORTAL,
                participant_statement=statement.replace("\x00", "").strip()[:4000],
                needs_travel_document=needs_travel_document,
                note="asked for from the portal",
                opened_at=now,
                opened_by=actor_for(actor).label,
                task_officer_id=case.officer_id,
                task_due_at=now + timedelta(days=days),
            )
    except IntegrityError:
        raise Conflict(detail=_("your request for departure help is already open")) from None
    audit_record(
        actor=actor,
        action="departure.request",
        object_type="departure",
        object_ids=[row.pk],
        reason="portal",
    )
    return row


@transaction.atomic
def departure_task_done(*, actor: Any, scope: Scope, departure_id: int) -> DepartureCase:
    """The officer contacted the participant about their request: the task is done."""
    scope.require(*STAFF_CASE_ROLES)
    row = _for_update(scope, departure_id)
    if row.task_due_at is None or row.task_done_at is not None:
        raise Conflict(detail="there is no open task on this departure case")
    _task_close(actor, row)
    row.save(update_fields=["task_done_at", "task_done_by"])
    audit_record(
        actor=actor, action="departure.task_done", object_type="departure", object_ids=[row.pk]
    )
    return row


def _task_close(actor: Any, row: DepartureCase) -> None:
    if row.task_due_at is not None and row.task_done_at is None:
        row.task_done_at = clock.now()
        row.task_done_by = actor_for(actor).label


@transaction.atomic
def departure_update(
    *,
    actor: Any,
    scope: Scope,
    departure_id: int,
    travel_document_status: str,
    requested_on: date | None = None,
    issued_on: date | None = None,
    planned_departure_on: date | None = None,
    note: str = "",
) -> DepartureCase:
    scope.require(*STAFF_CASE_ROLES)
    row = _for_update(scope, departure_id)
    if row.status != DepartureStatus.OPEN:
        raise Conflict(detail="the departure case is no longer open")
    if travel_document_status not in TravelDocumentStatus.values:
        raise ValidationFailed(errors=[FieldError("travel_document_status", "unknown status")])
    if requested_on and issued_on and issued_on < requested_on:
        raise ValidationFailed(errors=[FieldError("issued_on", "issued before it was requested")])
    row.travel_document_status = travel_document_status
    row.travel_document_requested_on = requested_on or row.travel_document_requested_on
    row.travel_document_issued_on = issued_on or row.travel_document_issued_on
    row.planned_departure_on = planned_departure_on or row.planned_departure_on
    if note.strip():
        row.note = note.strip()[:500]
    _task_close(actor, row)  # acting on the request answers the officer's task
    row.save()
    audit_record(
        actor=actor,
        action="departure.update",
        object_type="departure",
        object_ids=[row.pk],
        reason=travel_document_status,
    )
    return row


@transaction.atomic
def departure_confirm(
    *,
    actor: Any,
    scope: Scope,
    departure_id: int,
    departed_on: date,
    verification_method: str,
    verification_note: str = "",
) -> DepartureCase:
    """The departure happened and was verified (how: `verification_method`; who and when are
    the actor and now): the legal status becomes "voluntarily departed", which closes the
    supervision case with that reason, and every device the participant still holds gets a
    "collect the device" task (done when the devices app records its return)."""
    scope.require(*STAFF_CASE_ROLES)
    problem = departure_verification_problem(method=verification_method, note=verification_note)
    if problem:
        raise ValidationFailed(errors=[FieldError("verification_method", problem)])
    row = _for_update(scope, departure_id)
    if row.status != DepartureStatus.OPEN:
        raise Conflict(detail="the departure case is no longer open")
    if departed_on > clock.now().date():
        raise ValidationFailed(errors=[FieldError("departed_on", "cannot be in the future")])
    plan = supervision_selectors.plan_current(row.participant_id)
    row.status = DepartureStatus.CONFIRMED
    row.departed_on = departed_on
    row.confirmed_at = clock.now()
    row.confirmed_by = actor_for(actor).label
    row.verified_by_id = actor_for(actor).id
    row.verification_method = verification_method
    row.verification_note = verification_note.strip()[:500]
    _task_close(actor, row)
    held = devices_for_participants([row.participant_id]).get(row.participant_id, [])
    worn = plan.technology if plan and plan.technology in DEVICE_TECHNOLOGIES else ""
    row.device_return_required = bool(held or worn)
    row.save()
    if row.device_return_required:
        device_returns_open(
            actor=actor,
            scope=scope,
            participant_id=row.participant_id,
            devices=[(d.id, d.serial_shown, d.kind) for d in sorted(held, key=lambda d: d.id)],
            technology=worn,
            reason=f"voluntary departure confirmed (departure case {row.pk})",
        )
    legal_status_record(
        actor=actor,
        scope=scope,
        participant_id=row.participant_id,
        status="voluntarily_departed",
        effective_on=departed_on,
        note=f"departure case {row.pk} confirmed",
        source=f"departure:{row.pk}",
    )
    audit_record(
        actor=actor,
        action="departure.confirm",
        object_type="departure",
        object_ids=[row.pk],
        reason=f"verified: {verification_method}",
    )
    return row
