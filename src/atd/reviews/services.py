"""Writes for reviews: request, decide, appeal, decide the appeal. Each is atomic, attributed,
audited; an approved step-down changes the plan through supervision's service in the same
transaction, and the participant is told on commit, in their language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atd.alerts.services import notification_enqueue
from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.people.selectors import case_queryset_in_scope, participant_get_in_scope
from atd.reviews import letters, rules
from atd.reviews.choices import AppealStatus, DecisionReason, ReviewSource, ReviewStatus
from atd.reviews.compliance import compliance_record_build
from atd.reviews.models import ReviewAppeal, ReviewRequest
from atd.reviews.selectors import appeal_queryset_in_scope, review_queryset_in_scope
from atd.supervision import selectors as supervision_selectors
from atd.supervision import services as supervision_services

DEVICE_TECHNOLOGIES = frozenset({"gps_ankle", "wrist"})


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@transaction.atomic
def review_request_submit(
    *, actor: Any, scope: Scope, participant_id: int, statement: str = "", source: str = ""
) -> ReviewRequest:
    """A participant asks from the portal; an officer enters one received on paper or by phone;
    the system proposes one (source=system). Pre-filled with the compliance record and the
    recommendation, due within the configured number of days."""
    if scope.role == Role.PARTICIPANT:
        source = ReviewSource.PORTAL
    else:
        scope.require(*STAFF_CASE_ROLES)
        source = source or ReviewSource.OFFICER
    if source not in ReviewSource.values:
        raise ValidationFailed(errors=[FieldError("source", "unknown source")])
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    case = (
        case_queryset_in_scope(scope)
        .filter(participant_id=participant.pk)
        .exclude(status="closed")
        .order_by("-release_date")
        .first()
    )
    if case is None:
        raise Conflict(detail=_("there is no open case to review"))
    now = clock.now()
    plan = supervision_selectors.plan_current(participant.pk)
    technology = plan.technology if plan else ""
    record = compliance_record_build(
        participant_id=participant.pk,
        now=now,
        window_days=_days("ATD_REVIEW_COMPLIANT_DAYS", 90),
    )
    advice = rules.recommend(
        record, technology, required_days=_days("ATD_REVIEW_COMPLIANT_DAYS", 90)
    )
    try:
        with transaction.atomic():
            request = ReviewRequest.objects.create(
                participant=participant,
                case_id=case.pk,
                source=source,
                statement=statement.strip()[:4000],
                requested_at=now,
                requested_by=actor_for(actor).label,
                due_at=rules.decision_due(now, _days("ATD_REVIEW_DECISION_DAYS", 14)),
                current_technology=technology,
                compliance=record.as_dict(),
                recommendation=advice.as_dict(),
                to_technology=advice.to_technology,
            )
    except IntegrityError:
        raise Conflict(detail="a review request is already waiting for a decision") from None
    audit_record(
        actor=actor,
        action="review.request",
        object_type="review",
        object_ids=[request.pk],
        reason=source,
    )
    return request


def _review_for_update(scope: Scope, request_id: int) -> ReviewRequest:
    request = review_queryset_in_scope(scope).select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound()
    return request


def _apply_step_down(actor: Any, scope: Scope, request: ReviewRequest, why: str) -> bool:
    """Changes the plan; returns whether a device must come back (the supervision service
    records the device-return task when the technology leaves a device)."""
    plan = supervision_selectors.plan_current(request.participant_id)
    if plan is None or plan.technology != request.current_technology:
        raise Conflict(detail="the supervision plan changed since the request: review it again")
    target = request.to_technology
    mode = (
        "in_person"
        if target == "in_person"
        else ("remote" if target in {"smartphone", "telephone"} else plan.checkin_mode)
    )
    supervision_services.plan_set(
        actor=actor,
        scope=scope,
        participant_id=request.participant_id,
        technology=target,
        cadence_days=plan.cadence_days,
        checkin_mode=mode,
        start_date=timezone.localdate(clock.now()),
        reason=f"review {request.pk} approved: {why}"[:500],
    )
    return plan.technology in DEVICE_TECHNOLOGIES and target != plan.technology


@transaction.atomic
def review_decide(
    *,
    actor: Any,
    scope: Scope,
    request_id: int,
    approve: bool,
    reason: str,
    text: str = "",
    to_technology: str = "",
) -> ReviewRequest:
    """The officer's decision: approve (step down) or deny, with a reason from the list."""
    scope.require(*STAFF_CASE_ROLES)
    request = _review_for_update(scope, request_id)
    if request.status != ReviewStatus.PENDING:
        raise Conflict(detail="this request is already decided")
    if reason and reason not in DecisionReason.values:
        raise ValidationFailed(errors=[FieldError("reason", "unknown reason")])
    to_technology = (
        to_technology
        or request.to_technology
        or (rules.next_step_down(request.current_technology) or "")
    )
    problem = rules.decision_problem(
        approve=approve,
        reason=reason,
        to_technology=to_technology,
        current=request.current_technology,
    )
    if problem:
        raise ValidationFailed(detail=problem)
    now = clock.now()
    request.status = ReviewStatus.APPROVED if approve else ReviewStatus.DENIED
    request.reason = reason
    request.reason_text = text.strip()[:4000]
    request.decided_at = now
    who = actor_for(actor)
    request.decided_by_id = who.id
    request.decided_by_label = who.label
    request.to_technology = to_technology if approve else ""
    if approve:
        request.device_return_required = _apply_step_down(actor, scope, request, reason)
    else:
        request.appeal_until = now + timedelta(days=_days("ATD_REVIEW_APPEAL_DAYS", 30))
    request.save()
    _tell_participant(request, approved=approve)
    audit_record(
        actor=actor,
        action="review.decide",
        object_type="review",
        object_ids=[request.pk],
        reason=f"{request.status}: {reason}",
    )
    return request


@transaction.atomic
def review_appeal_file(
    *, actor: Any, scope: Scope, request_id: int, statement: str = ""
) -> ReviewAppeal:
    if scope.role != Role.PARTICIPANT:
        scope.require(*STAFF_CASE_ROLES)
    request = _review_for_update(scope, request_id)
    now = clock.now()
    if request.status != ReviewStatus.DENIED:
        raise Conflict(detail=_("only a denied request can be appealed"))
    if not rules.appeal_open(request.appeal_until, now):
        raise Conflict(detail=_("the time to appeal has passed"))
    try:
        with transaction.atomic():
            appeal = ReviewAppeal.objects.create(
                request=request,
                statement=statement.strip()[:4000],
                filed_at=now,
                filed_by=actor_for(actor).label,
                due_at=now + timedelta(days=_days("ATD_REVIEW_APPEAL_DECISION_DAYS", 14)),
            )
    except IntegrityError:
        raise Conflict(detail=_("this decision is already under appeal")) from None
    audit_record(actor=actor, action="review.appeal", object_type="review", object_ids=[request.pk])
    return appeal


@transaction.atomic
def appeal_decide(
    *, actor: Any, scope: Scope, appeal_id: int, overturn: bool, reason: str, text: str = ""
) -> ReviewAppeal:
    """A supervisor decides; the one who denied the request may not decide its appeal."""
    scope.require(Role.SUPERVISOR, Role.ADMIN)
    appeal = appeal_queryset_in_scope(scope).select_for_update().filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound()
    if appeal.status != AppealStatus.PENDING:
        raise Conflict(detail="this appeal is already decided")
    who = actor_for(actor)
    request = ReviewRequest.objects.select_for_update().get(pk=appeal.request_id)
    if who.id is not None and request.decided_by_id == who.id:
        raise Forbidden(detail="the person who denied the request cannot decide its appeal")
    if reason not in DecisionReason.values:
        raise ValidationFailed(errors=[FieldError("reason", "choose a reason")])
    now = clock.now()
    appeal.status = AppealStatus.OVERTURNED if overturn else AppealStatus.UPHELD
    appeal.reason = reason
    appeal.reason_text = text.strip()[:4000]
    appeal.decided_at = now
    appeal.decided_by_id = who.id
    appeal.decided_by_label = who.label
    appeal.save()
    if overturn:
        request.to_technology = rules.next_step_down(request.current_technology) or ""
        if not request.to_technology:
            raise ValidationFailed(detail="there is no less restrictive technology to move to")
        request.status = ReviewStatus.APPROVED
        request.reason, request.reason_text = reason, appeal.reason_text
        request.decided_at, request.decided_by_id, request.decided_by_label = now, who.id, who.label
        request.appeal_until = None
        request.device_return_required = _apply_step_down(actor, scope, request, "appeal")
        request.save()
    _tell_participant(request, approved=overturn)
    audit_record(
        actor=actor,
        action="review.appeal_decide",
        object_type="review",
        object_ids=[request.pk],
        reason=str(appeal.status),
    )
    return appeal


def review_letter(request: ReviewRequest, language: str) -> letters.Letter:
    return letters.decision_letter(
        language=language,
        approved=request.status == ReviewStatus.APPROVED,
        old_technology=request.current_technology,
        new_technology=request.to_technology,
        reason=request.reason,
        explanation=request.reason_text,
        decided_on=timezone.localdate(request.decided_at).isoformat() if request.decided_at else "",
        appeal_until=timezone.localdate(request.appeal_until).isoformat()
        if request.appeal_until
        else None,
        device_return=request.device_return_required,
    )


def _tell_participant(request: ReviewRequest, *, approved: bool) -> None:
    participant = participant_get_in_scope(
        scope=Scope(role="admin", user_id=None, office_id=None),
        participant_id=request.participant_id,
    )
    letter = review_letter(request, participant.preferred_language)
    body = "\n\n".join([*letter.paragraphs, letter.explanation]).strip()
    key = f"review:{request.pk}:{request.status}:{request.decided_at.isoformat() if request.decided_at else ''}"
    transaction.on_commit(
        lambda: notification_enqueue(
            kind="review_decision",
            subject=letter.title,
            body=body,
            dedupe_key=key,
            participant_id=request.participant_id,
            language=letter.language,
        )
    )
