"""Writes for court records: notices and their service, hearings and outcomes, legal status.

Each write is atomic, attributed and audited once; alerts it implies are raised in the same
transaction, and a participant's messages are queued on commit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from atd.alerts.services import AlertSignal, alert_raise_many, notification_enqueue
from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.court import rules, texts
from atd.court.choices import HearingOutcome, HearingType, LegalStatus, NoticeKind, ServiceMethod
from atd.court.models import CaseCourtSummary, Hearing, LegalStatusEvent, Notice
from atd.people import services as people_services
from atd.people.selectors import (
    case_get_in_scope,
    case_office_timezones,
    participant_get_in_scope,
)


def _report_by_days() -> int:
    return int(getattr(settings, "ATD_REPORT_BY_DAYS", 60))


def _notice_for_update(scope: Scope, notice_id: int) -> Notice:
    case_ids = _visible_case_ids(scope)
    notice = Notice.objects.select_for_update().filter(pk=notice_id, case_id__in=case_ids).first()
    if notice is None:
        raise NotFound()
    return notice


def _hearing_for_update(scope: Scope, hearing_id: int) -> Hearing:
    case_ids = _visible_case_ids(scope)
    hearing = (
        Hearing.objects.select_for_update().filter(pk=hearing_id, case_id__in=case_ids).first()
    )
    if hearing is None:
        raise NotFound()
    return hearing


def case_summary_refresh(case_ids: list[int]) -> None:
    """Recomputes the per-case court summary from the notice and legal status rows."""
    from atd.people.selectors import case_queryset_in_scope

    admin = Scope(role="admin", user_id=None, office_id=None)
    cases = dict(
        case_queryset_in_scope(admin).filter(pk__in=case_ids).values_list("pk", "participant_id")
    )
    for case_id, participant_id in cases.items():
        nta = (
            Notice.objects.filter(case_id=case_id, kind=NoticeKind.NOTICE_TO_APPEAR)
            .order_by("-issued_on", "-pk")
            .first()
        )
        ntr = (
            Notice.objects.filter(case_id=case_id, kind=NoticeKind.NOTICE_TO_REPORT)
            .order_by("-issued_on", "-pk")
            .first()
        )
        legal = (
            LegalStatusEvent.objects.filter(participant_id=participant_id)
            .order_by("-effective_on", "-recorded_at", "-pk")
            .first()
        )
        CaseCourtSummary.objects.update_or_create(
            case_id=case_id,
            defaults={
                "participant_id": participant_id,
                "nta_issued_on": nta.issued_on if nta else None,
                "nta_recorded_at": nta.recorded_at if nta else None,
                "nta_served_on": nta.served_on if nta else None,
                "nta_served_recorded_at": nta.served_recorded_at if nta else None,
                "ntr_report_by": ntr.report_by if ntr else None,
                "ntr_reported_on": ntr.reported_on if ntr else None,
                "ntr_reported_recorded_at": ntr.reported_recorded_at if ntr else None,
                "legal_status": legal.status if legal else "",
                "legal_status_effective_on": legal.effective_on if legal else None,
                "legal_status_recorded_at": legal.recorded_at if legal else None,
                "fta_count": Hearing.objects.filter(
                    case_id=case_id, outcome=HearingOutcome.FAILED_TO_APPEAR
                ).count(),
            },
        )


def _visible_case_ids(scope: Scope) -> Any:
    from atd.people.selectors import case_queryset_in_scope

    return case_queryset_in_scope(scope).values("pk")


@transaction.atomic
def notice_issue(
    *,
    actor: Any,
    scope: Scope,
    case_id: int,
    kind: str,
    issued_on: date,
    report_by: date | None = None,
    served_on: date | None = None,
    service_method: str = "",
) -> Notice:
    """Records a Notice to Report or to Appear. A Notice to Report without a printed date gets
    the configured report-by deadline counted from release."""
    scope.require(*STAFF_CASE_ROLES)
    case = case_get_in_scope(scope=scope, case_id=case_id)
    errors = []
    if kind not in NoticeKind.values:
        errors.append(FieldError("kind", "must be ntr or nta"))
    if served_on is not None and served_on < issued_on:
        errors.append(FieldError("served_on", "a notice cannot be served before it is issued"))
    if served_on is not None and service_method not in ServiceMethod.values:
        errors.append(FieldError("service_method", "say how the notice was served"))
    if errors:
        raise ValidationFailed(errors=errors)
    if kind == NoticeKind.NOTICE_TO_REPORT and report_by is None:
        report_by = rules.report_by_default(case.release_date, _report_by_days())
    now = clock.now()
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                participant_id=case.participant_id,
                case=case,
                kind=kind,
                issued_on=issued_on,
                report_by=report_by if kind == NoticeKind.NOTICE_TO_REPORT else None,
                served_on=served_on,
                service_method=service_method if served_on else "",
                served_recorded_at=now if served_on else None,
                recorded_at=now,
                recorded_by=actor_for(actor).label,
            )
    except IntegrityError:
        raise Conflict(detail="this notice is already recorded for the case") from None
    case_summary_refresh([case.pk])
    audit_record(
        actor=actor, action="court.notice_issue", object_type="notice", object_ids=[notice.pk]
    )
    return notice


@transaction.atomic
def notice_serve(
    *, actor: Any, scope: Scope, notice_id: int, served_on: date, service_method: str
) -> Notice:
    scope.require(*STAFF_CASE_ROLES)
    notice = _notice_for_update(scope, notice_id)
    errors = []
    if served_on < notice.issued_on:
        errors.append(FieldError("served_on", "a notice cannot be served before it is issued"))
    if served_on > clock.now().date():
        errors.append(FieldError("served_on", "service cannot be recorded in the future"))
    if service_method not in ServiceMethod.values:
        errors.append(FieldError("service_method", "unknown service method"))
    if errors:
        raise ValidationFailed(errors=errors)
    if notice.served_on is not None:
        raise Conflict(detail="the notice is already served")
    notice.served_on = served_on
    notice.service_method = service_method
    notice.served_recorded_at = clock.now()
    notice.save(update_fields=["served_on", "service_method", "served_recorded_at"])
    case_summary_refresh([notice.case_id])
    audit_record(
        actor=actor, action="court.notice_serve", object_type="notice", object_ids=[notice.pk]
    )
    return notice


@transaction.atomic
def notice_report_record(*, actor: Any, scope: Scope, notice_id: int, reported_on: date) -> Notice:
    """The person reported as the Notice to Report asked; a case still waiting for its first
    report becomes active in the same transaction."""
    scope.require(*STAFF_CASE_ROLES)
    notice = _notice_for_update(scope, notice_id)
    if notice.kind != NoticeKind.NOTICE_TO_REPORT:
        raise ValidationFailed(detail="only a Notice to Report is reported on")
    if reported_on > clock.now().date():
        raise ValidationFailed(
            errors=[FieldError("reported_on", "a report cannot be in the future")]
        )
    if notice.reported_on is not None:
        raise Conflict(detail="the report is already recorded")
    notice.reported_on = reported_on
    notice.reported_recorded_at = clock.now()
    notice.save(update_fields=["reported_on", "reported_recorded_at"])
    case = case_get_in_scope(scope=scope, case_id=notice.case_id)
    if case.status == "pending_first_report":
        people_services.case_change_status(
            actor=actor,
            scope=scope,
            case_id=case.pk,
            to_status="active",
            reason=f"reported on {reported_on.isoformat()} as the Notice to Report asked",
        )
    case_summary_refresh([notice.case_id])
    audit_record(
        actor=actor, action="court.notice_report", object_type="notice", object_ids=[notice.pk]
    )
    return notice


@transaction.atomic
def hearing_schedule(
    *,
    actor: Any,
    scope: Scope,
    case_id: int,
    scheduled_at: datetime,
    court_name: str,
    hearing_type: str,
) -> Hearing:
    scope.require(*STAFF_CASE_ROLES)
    case = case_get_in_scope(scope=scope, case_id=case_id)
    errors = []
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
    hearing.revision += 1
    hearing.save(update_fields=["scheduled_at", "court_name", "revision"])
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
    zone = case_office_timezones([hearing.case_id]).get(hearing.case_id)
    subject, body = texts.hearing_changed_text(
        language,
        court=hearing.court_name,
        when=rules.hearing_when_text(hearing.scheduled_at, zone),
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
        kind="hearing_missed",
        occurred_at=hearing.scheduled_at,
        source="court.hearing",
        source_ref=f"{hearing.pk}:missed",
        participant_id=hearing.participant_id,
        title="Hearing missed",
        detail={"hearing_id": hearing.pk, "court": hearing.court_name},
    )


@transaction.atomic
def legal_status_record(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    status: str,
    effective_on: date,
    note: str = "",
    source: str = "",
    close_case: bool = True,
) -> LegalStatusEvent:
    """Adds a step to the legal status timeline. A status that ends supervision (removed,
    departed, deceased, in custody, relief granted) closes the open case with that reason, so
    the case, its alerts and every report agree."""
    scope.require(*STAFF_CASE_ROLES)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    if status not in LegalStatus.values:
        raise ValidationFailed(errors=[FieldError("status", "unknown legal status")])
    if effective_on > clock.now().date():
        raise ValidationFailed(
            errors=[FieldError("effective_on", "a status cannot take effect in the future")]
        )
    from atd.people.selectors import case_routing_for_participants

    routing = case_routing_for_participants([participant.pk])
    case_id = routing[participant.pk][0] if participant.pk in routing else None
    event = LegalStatusEvent.objects.create(
        participant=participant,
        case_id=case_id,
        status=status,
        effective_on=effective_on,
        recorded_at=clock.now(),
        source=source[:64],
        note=note.strip()[:500],
        recorded_by=actor_for(actor).label,
    )
    from atd.people.selectors import case_queryset_in_scope

    case_summary_refresh(
        list(
            case_queryset_in_scope(Scope(role="admin", user_id=None, office_id=None))
            .filter(participant_id=participant.pk)
            .values_list("pk", flat=True)
        )
    )
    closure = rules.closure_reason_for(status)
    if close_case and closure and case_id is not None:
        case = case_get_in_scope(scope=scope, case_id=case_id)
        if case.status != "closed":
            people_services.case_change_status(
                actor=actor,
                scope=scope,
                case_id=case_id,
                to_status="closed",
                closure_reason=closure,
                reason=f"legal status {status} effective {effective_on.isoformat()}",
            )
    audit_record(
        actor=actor,
        action="court.legal_status",
        object_type="participant",
        object_ids=[participant.pk],
        reason=status,
    )
    return event
