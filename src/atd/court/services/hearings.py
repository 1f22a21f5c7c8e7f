"""Writes for hearings: scheduled, rescheduled (the participant is told), their outcome (a
failure to appear raises the hearing-missed alert in the same transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from atd.alerts.services import AlertSignal, alert_raise_many, notification_enqueue
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.court import rules, texts
from atd.court.choices import HearingOutcome, HearingType, LegalStatus
from atd.court.models import Hearing
from atd.court.services.legal_status import legal_status_record
from atd.court.services.summary import case_ids_in_scope, case_summary_refresh
from atd.people.selectors import (
    case_get_in_scope,
    case_office_timezones,
    participant_get_in_scope,
)


def _hearing_for_update(scope: Scope, hearing_id: int) -> Hearing:
    case_ids = case_ids_in_scope(scope)
    hearing = (
        Hearing.objects.select_for_update().filter(pk=hearing_id, case_id__in=case_ids).first()
    )
    if hearing is None:
        raise NotFound()
    return hearing


@transaction.atomic
def hearing_schedule(
    *,
    actor: Any,
    scope: Scope,
    case_id: int,
    scheduled_at: datetime,
    court_name: str,
    hearing_type: str,
    court_address: str = "",
    court_timezone: str = "",
) -> Hearing:
    scope.require(*STAFF_CASE_ROLES)
    case = case_get_in_scope(scope=scope, case_id=case_id)
    errors = []
    if court_timezone.strip() and not rules.zone_known(court_timezone.strip()):
        errors.append(FieldError("court_timezone", "not a known time zone (e.g. America/Chicago)"))
    if hearing_type not in HearingType.values:
        errors.append(FieldError("hearing_type", "unknown hearing type"))
    if not court_name.strip():
        errors.append(FieldError("court_name", "the court is required"))
    if timezone.is_naive(scheduled_at):
        errors.append(FieldError("scheduled_at", "give a time zone"))
    if errors:
        raise ValidationFailed(errors=errors)
    hearing = Hearing.objects.create(
        participant_id=case.participant_id,
        case=case,
        scheduled_at=scheduled_at,
        court_name=court_name.strip()[:200],
        court_address=" ".join(court_address.split())[:300],
        court_timezone=court_timezone.strip()[:64],
        hearing_type=hearing_type,
        recorded_at=clock.now(),
        recorded_by=actor_for(actor).label,
    )
    _tell_participant_of_change(hearing, case.participant_id, scope)
    audit_record(
        actor=actor, action="court.hearing_schedule", object_type="hearing", object_ids=[hearing.pk]
    )
    return hearing


@transaction.atomic
def hearing_reschedule(
    *,
    actor: Any,
    scope: Scope,
    hearing_id: int,
    scheduled_at: datetime,
    court_name: str = "",
    reason: str,
    court_address: str = "",
) -> Hearing:
    """A new date or court. Every view reads the hearing row, so the change is visible to all
    roles at once; the participant is told and the reminders start again for the new date."""
    scope.require(*STAFF_CASE_ROLES)
    hearing = _hearing_for_update(scope, hearing_id)
    if hearing.outcome:
        raise Conflict(detail="the hearing already has an outcome")
    if not reason.strip():
        raise ValidationFailed(errors=[FieldError("reason", "a reason is required")])
    if timezone.is_naive(scheduled_at):
        raise ValidationFailed(errors=[FieldError("scheduled_at", "give a time zone")])
    hearing.scheduled_at = scheduled_at
    if court_name.strip():
        hearing.court_name = court_name.strip()[:200]
    if court_address.strip():
        hearing.court_address = " ".join(court_address.split())[:300]
    hearing.revision += 1
    hearing.save(update_fields=["scheduled_at", "court_name", "court_address", "revision"])
    _tell_participant_of_change(hearing, hearing.participant_id, scope)
    audit_record(
        actor=actor,
        action="court.hearing_reschedule",
        object_type="hearing",
        object_ids=[hearing.pk],
        reason=reason,
    )
    return hearing


def _tell_participant_of_change(hearing: Hearing, participant_id: int, scope: Scope) -> None:
    """The participant hears of a new or moved hearing at once, in their language, with the
    time local to their case's office. A hearing already past (recorded afterwards, e.g. to
    enter its outcome) is not announced: there is nothing left to attend."""
    if hearing.scheduled_at <= clock.now():
        return
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    language = participant.preferred_language or "en"
    zone = hearing.court_timezone or case_office_timezones([hearing.case_id]).get(hearing.case_id)
    subject, body = texts.hearing_changed_text(
        language,
        court=hearing.court_name,
        when=rules.hearing_when_text(hearing.scheduled_at, zone),
        address=hearing.court_address,
    )
    key = f"court.hearing:{hearing.pk}:r{hearing.revision}:scheduled"
    transaction.on_commit(
        lambda: notification_enqueue(
            kind="hearing_scheduled",
            subject=subject,
            body=body,
            dedupe_key=key,
            participant_id=participant_id,
            language=language,
        )
    )


@transaction.atomic
def hearing_outcome_record(
    *,
    actor: Any,
    scope: Scope,
    hearing_id: int,
    outcome: str,
    note: str = "",
    legal_status: str = "",
) -> Hearing:
    """Records what happened. A failure to appear raises the hearing-missed alert at once; a
    decision (e.g. a final order) adds a step to the legal status timeline."""
    scope.require(*STAFF_CASE_ROLES)
    hearing = _hearing_for_update(scope, hearing_id)
    if outcome not in HearingOutcome.values:
        raise ValidationFailed(errors=[FieldError("outcome", "unknown outcome")])
    if legal_status and legal_status not in LegalStatus.values:
        raise ValidationFailed(errors=[FieldError("legal_status", "unknown legal status")])
    now = clock.now()
    if hearing.scheduled_at > now and outcome != HearingOutcome.CANCELLED:
        raise ValidationFailed(detail="only a cancellation can be recorded before the hearing")
    if hearing.outcome:
        raise Conflict(detail="the hearing already has an outcome")
    hearing.outcome = outcome
    hearing.outcome_note = note.strip()[:500]
    hearing.outcome_recorded_at = now
    hearing.save(update_fields=["outcome", "outcome_note", "outcome_recorded_at"])
    if outcome == HearingOutcome.FAILED_TO_APPEAR:
        alert_raise_many(actor=actor, signals=[hearing_missed_signal(hearing)])
        case_summary_refresh([hearing.case_id])
    if legal_status:
        legal_status_record(
            actor=actor,
            scope=scope,
            participant_id=hearing.participant_id,
            status=legal_status,
            effective_on=timezone.localdate(hearing.scheduled_at),
            note=f"hearing {hearing.pk}",
            source=f"hearing:{hearing.pk}",
        )
    audit_record(
        actor=actor, action="court.hearing_outcome", object_type="hearing", object_ids=[hearing.pk]
    )
    return hearing


def hearing_missed_signal(hearing: Hearing) -> AlertSignal:
    return AlertSignal(
        kind=AlertKind.HEARING_MISSED,
        occurred_at=hearing.scheduled_at,
        source="court.hearing",
        source_ref=f"{hearing.pk}:missed",
        participant_id=hearing.participant_id,
        title="Hearing missed",
        detail={"hearing_id": hearing.pk, "court": hearing.court_name},
    )
