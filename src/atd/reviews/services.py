"""Writes for reviews: request, decide, appeal, decide the appeal. Each is atomic, attributed,
audited; an approved outcome (a lower technology, fewer check-ins, the end of electronic
monitoring, leaving the program) changes supervision through the owning apps' services in the
same transaction (reviews/outcomes.py), and the participant is told on commit, in their
language."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atd.alerts.services import AlertSignal, alert_raise_many, notification_enqueue
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.people.selectors import case_queryset_in_scope, participant_get_in_scope
from atd.reviews import letters, rules
from atd.reviews.choices import (
    AppealStatus,
    DecisionReason,
    RequestKind,
    ReviewSource,
    ReviewStatus,
)
from atd.reviews.compliance import compliance_record_build
from atd.reviews.models import ReviewAppeal, ReviewRequest
from atd.reviews.outcomes import outcome_apply
from atd.reviews.selectors import appeal_queryset_in_scope, review_queryset_in_scope
from atd.supervision import selectors as supervision_selectors

TECHNOLOGIES = frozenset({"gps_ankle", "wrist", "smartphone", "telephone", "in_person"})


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _text(value: str) -> str:
    """Free text as stored: no NUL (PostgreSQL refuses it), trimmed, at most 4,000 characters."""
    return value.replace("\x00", "").strip()[:4000]


def review_policy() -> rules.Policy:
    return rules.Policy(
        compliant_days=_days("ATD_REVIEW_COMPLIANT_DAYS", 90),
        end_monitoring_days=_days("ATD_REVIEW_END_MONITORING_DAYS", 180),
    )


def _request_problems(
    kind: str, to_technology: str, to_cadence_days: int | None
) -> list[FieldError]:
    errors = []
    if kind not in RequestKind.values:
        errors.append(FieldError("kind", "unknown kind of request"))
    if to_technology and to_technology not in TECHNOLOGIES:
        errors.append(FieldError("to_technology", "unknown technology"))
    if kind == RequestKind.LOWER_CADENCE and (
        to_cadence_days is None or not 1 <= to_cadence_days <= rules.MAX_CADENCE_DAYS
    ):
        errors.append(FieldError("to_cadence_days", "choose how often to check in"))
    return errors


@transaction.atomic
def review_request_submit(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    statement: str = "",
    source: str = "",
    kind: str = RequestKind.STEP_DOWN,
    to_technology: str = "",
    to_cadence_days: int | None = None,
    acknowledged: bool = False,
) -> ReviewRequest:
    """A participant asks from the portal; an officer enters one received on paper or by phone;
    the system proposes one (source=system). Pre-filled with the compliance record and the
    recommendation rule by rule, due within the configured number of days."""
    if scope.role == Role.PARTICIPANT:
        source = ReviewSource.PORTAL
    else:
        scope.require(*STAFF_CASE_ROLES)
        source = source or ReviewSource.OFFICER
    if source not in ReviewSource.values:
        raise ValidationFailed(errors=[FieldError("source", "unknown source")])
    errors = _request_problems(kind, to_technology, to_cadence_days)
    if errors:
        raise ValidationFailed(errors=errors)
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
    cadence = plan.cadence_days if plan else 0
    policy = review_policy()
    record = compliance_record_build(
        participant_id=participant.pk, now=now, window_days=policy.compliant_days
    )
    advice = rules.evaluate(
        kind,
        record,
        technology=technology,
        cadence_days=cadence,
        target_technology=to_technology,
        target_cadence_days=to_cadence_days or 0,
        acknowledged=acknowledged,
        policy=policy,
    )
    if kind == RequestKind.STEP_DOWN:
        target = to_technology or advice.to_technology or (rules.next_step_down(technology) or "")
    elif kind == RequestKind.END_MONITORING:
        target = advice.to_technology
    else:
        target = ""
    try:
        with transaction.atomic():
            request = ReviewRequest.objects.create(
                participant=participant,
                case_id=case.pk,
                source=source,
                kind=kind,
                statement=_text(statement),
                requested_at=now,
                requested_by=actor_for(actor).label,
                due_at=rules.decision_due(now, _days("ATD_REVIEW_DECISION_DAYS", 14)),
                current_technology=technology,
                current_cadence_days=cadence or None,
                to_cadence_days=to_cadence_days if kind == RequestKind.LOWER_CADENCE else None,
                court_obligations_acknowledged=acknowledged,
                compliance=record.as_dict(),
                recommendation=advice.as_dict(),
                to_technology=target,
            )
    except IntegrityError:
        raise Conflict(detail=_("a review request is already waiting for a decision")) from None
    audit_record(
        actor=actor,
        action="review.request",
        object_type="review",
        object_ids=[request.pk],
        reason=f"{source}: {kind}",
    )
    return request


def _review_for_update(scope: Scope, request_id: int) -> ReviewRequest:
    request = review_queryset_in_scope(scope).select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound()
    return request


def _apply(actor: Any, scope: Scope, request: ReviewRequest, why: str) -> None:
    outcome = outcome_apply(actor=actor, scope=scope, request=request, why=why)
    request.device_return_required = outcome.device_return_required
    request.supervision_ended_on = outcome.supervision_ended_on


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
    to_cadence_days: int | None = None,
) -> ReviewRequest:
    """The officer's decision: approve (the outcome is applied) or deny, always with reasons:
    one from the list and the explanation the participant reads."""
    scope.require(*STAFF_CASE_ROLES)
    request = _review_for_update(scope, request_id)
    if request.status != ReviewStatus.PENDING:
        raise Conflict(detail="this request is already decided")
    if reason and reason not in DecisionReason.values:
        raise ValidationFailed(errors=[FieldError("reason", "unknown reason")])
    if request.kind == RequestKind.STEP_DOWN:
        to_technology = (
            to_technology
            or request.to_technology
            or (rules.next_step_down(request.current_technology) or "")
        )
    elif request.kind == RequestKind.END_MONITORING:
        to_technology = to_technology or request.to_technology or rules.DEFAULT_REPORTING
    else:
        to_technology = ""
    cadence = to_cadence_days or request.to_cadence_days or 0
    problem = rules.decision_problem(
        approve=approve,
        reason=reason,
        to_technology=to_technology,
        current=request.current_technology,
        kind=request.kind,
        text=text,
        current_cadence_days=request.current_cadence_days or 0,
        to_cadence_days=cadence,
    )
    if problem:
        raise ValidationFailed(detail=problem)
    now = clock.now()
    request.status = ReviewStatus.APPROVED if approve else ReviewStatus.DENIED
    request.reason = reason
    request.reason_text = _text(text)
    request.decided_at = now
    who = actor_for(actor)
    request.decided_by_id = who.id
    request.decided_by_label = who.label
    if approve:
        request.to_technology = to_technology
        request.to_cadence_days = cadence or None
        _apply(actor, scope, request, reason)
    else:
        request.appeal_until = now + timedelta(days=_days("ATD_REVIEW_APPEAL_DAYS", 30))
    request.save()
    _tell_participant(request, approved=approve)
    audit_record(
        actor=actor,
        action="review.decide",
        object_type="review",
        object_ids=[request.pk],
        reason=f"{request.kind} {request.status}: {reason}",
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
                statement=_text(statement),
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
    """A supervisor decides; the one who decided the request may not decide its appeal (the
    same pure rule decides whether the page offers them the form)."""
    scope.require(Role.SUPERVISOR, Role.ADMIN)
    appeal = appeal_queryset_in_scope(scope).select_for_update().filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound()
    if appeal.status != AppealStatus.PENDING:
        raise Conflict(detail="this appeal is already decided")
    who = actor_for(actor)
    request = ReviewRequest.objects.select_for_update().get(pk=appeal.request_id)
    problem = rules.appeal_decider_problem(
        role=scope.role, viewer_id=who.id, decided_by_id=request.decided_by_id
    )
    if problem:
        raise Forbidden(detail=problem)
    if reason not in DecisionReason.values:
        raise ValidationFailed(errors=[FieldError("reason", "choose a reason")])
    if not text.strip():
        raise ValidationFailed(
            errors=[FieldError("text", "explain the decision to the participant")]
        )
    now = clock.now()
    appeal.status = AppealStatus.OVERTURNED if overturn else AppealStatus.UPHELD
    appeal.reason = reason
    appeal.reason_text = _text(text)
    appeal.decided_at = now
    appeal.decided_by_id = who.id
    appeal.decided_by_label = who.label
    appeal.save()
    if overturn:
        if request.kind == RequestKind.STEP_DOWN:
            request.to_technology = request.to_technology or (
                rules.next_step_down(request.current_technology) or ""
            )
            if request.to_technology not in rules.lower_technologies(request.current_technology):
                raise ValidationFailed(detail="there is no less restrictive technology to move to")
        elif request.kind == RequestKind.END_MONITORING:
            request.to_technology = request.to_technology or rules.DEFAULT_REPORTING
        request.status = ReviewStatus.APPROVED
        request.reason, request.reason_text = reason, appeal.reason_text
        request.decided_at, request.decided_by_id, request.decided_by_label = now, who.id, who.label
        request.appeal_until = None
        _apply(actor, scope, request, "appeal")
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
        kind=request.kind,
        approved=request.status == ReviewStatus.APPROVED,
        old_cadence_days=request.current_cadence_days or 0,
        new_cadence_days=request.to_cadence_days or 0,
        ended_on=request.supervision_ended_on.isoformat() if request.supervision_ended_on else "",
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
        scope=Scope.system(),
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


# --- periodic work (run by reviews/tasks.py) -------------------------------------------

ADMIN = Scope.system()


@dataclass
class JobResult:
    escalated: int = 0
    proposed: int = 0


@transaction.atomic
def reviews_escalate_overdue(*, actor: Any) -> JobResult:
    """An undecided request or appeal past its deadline raises a review-overdue alert (to the
    case's officer and, through the alert's own escalation, their supervisor)."""
    now = clock.now()
    result = JobResult()
    requests = list(
        ReviewRequest.objects.select_for_update()
        .filter(status="pending", due_at__lt=now, escalated_at__isnull=True)
        .order_by("pk")[:2000]
    )
    appeals = list(
        ReviewAppeal.objects.select_for_update()
        .filter(status="pending", due_at__lt=now, escalated_at__isnull=True)
        .select_related("request")
        .order_by("pk")[:2000]
    )
    signals = [
        AlertSignal(
            kind=AlertKind.REVIEW_OVERDUE,
            occurred_at=r.due_at,
            source="reviews.request",
            source_ref=f"{r.pk}:overdue",
            participant_id=r.participant_id,
            title="Review request not decided in time",
            detail={"review_id": r.pk, "due_at": r.due_at.isoformat()},
        )
        for r in requests
    ] + [
        AlertSignal(
            kind=AlertKind.REVIEW_OVERDUE,
            occurred_at=a.due_at,
            source="reviews.appeal",
            source_ref=f"{a.pk}:overdue",
            participant_id=a.request.participant_id,
            title="Review appeal not decided in time",
            detail={"review_id": a.request_id, "appeal_id": a.pk},
            severity="high",
        )
        for a in appeals
    ]
    alert_raise_many(actor=actor, signals=signals)
    ReviewRequest.objects.filter(pk__in=[r.pk for r in requests]).update(escalated_at=now)
    ReviewAppeal.objects.filter(pk__in=[a.pk for a in appeals]).update(escalated_at=now)
    result.escalated = len(signals)
    return result


def _in_chunks(ids: QuerySet[Any, int], *, size: int) -> Iterator[int]:
    """The ids in order, read `size` at a time, each read finished before the caller writes.
    (A streaming cursor left open across the writes would keep SQLite's read snapshot: the
    first write after another process's commit then fails at once with "database is locked",
    which no busy timeout waits out.)"""
    last = 0
    while True:
        chunk = list(ids.filter(participant_id__gt=last)[:size])
        yield from chunk
        if len(chunk) < size:
            return
        last = chunk[-1]


def reviews_propose_eligible(*, actor: Any, limit: int = 500) -> JobResult:
    """De-escalation should not depend on who asks: anyone who has become eligible, has no
    request waiting and had no decision in the last compliant period gets a proposed review."""
    now = clock.now()
    days = int(getattr(settings, "ATD_REVIEW_COMPLIANT_DAYS", 90))
    result = JobResult()
    recent = ReviewRequest.objects.filter(requested_at__gte=now - timedelta(days=days)).values_list(
        "participant_id", flat=True
    )
    candidates = (
        case_queryset_in_scope(ADMIN)
        .filter(status="active")
        .exclude(participant_id__in=recent)
        .values_list("participant_id", flat=True)
        .order_by("participant_id")
    )
    for participant_id in _in_chunks(candidates, size=1000):
        if result.proposed >= limit:
            break
        plan = supervision_selectors.plan_current(participant_id)
        if plan is None or rules.next_step_down(plan.technology) is None:
            continue
        record = compliance_record_build(participant_id=participant_id, now=now, window_days=days)
        if not rules.recommend(record, plan.technology, required_days=days).eligible:
            continue
        try:
            review_request_submit(
                actor=actor, scope=ADMIN, participant_id=participant_id, source=ReviewSource.SYSTEM
            )
            result.proposed += 1
        except (DomainError, IntegrityError):
            continue  # a request appeared meanwhile: nothing to propose
    return result
