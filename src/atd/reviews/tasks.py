"""Periodic review jobs: escalate overdue decisions; propose reviews for eligible people.

Both are restart-safe: they read stored state (pending requests past due, plans and records
now) and the alert source_ref / one-pending-request constraint make a repeated run a no-op."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.errors import DomainError
from atd.core.scope import Scope
from atd.people.selectors import case_queryset_in_scope
from atd.reviews import rules
from atd.reviews.choices import ReviewSource
from atd.reviews.compliance import compliance_record_build
from atd.reviews.models import ReviewAppeal, ReviewRequest
from atd.reviews.services import review_request_submit
from atd.supervision import selectors as supervision_selectors

ADMIN = Scope.system()


@dataclass
class JobResult:
    escalated: int = 0
    proposed: int = 0


def reviews_escalate_overdue() -> JobResult:
    """An undecided request or appeal past its deadline raises a review-overdue alert (to the
    case's officer and, through the alert's own escalation, their supervisor)."""
    now = clock.now()
    result = JobResult()
    with transaction.atomic():
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
        alert_raise_many(actor=SYSTEM, signals=signals)
        ReviewRequest.objects.filter(pk__in=[r.pk for r in requests]).update(escalated_at=now)
        ReviewAppeal.objects.filter(pk__in=[a.pk for a in appeals]).update(escalated_at=now)
        result.escalated = len(signals)
    return result


def reviews_propose_eligible(*, limit: int = 500) -> JobResult:
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
    for participant_id in candidates.iterator(chunk_size=1000):
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
                actor=SYSTEM, scope=ADMIN, participant_id=participant_id, source=ReviewSource.SYSTEM
            )
            result.proposed += 1
        except (DomainError, IntegrityError):
            continue  # a request appeared meanwhile: nothing to propose
    return result
