"""Reads of reviews and appeals, scoped to the caller's participants; reads are audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from atd.core.audit import read_one_audited
from atd.core.scope import Scope
from atd.people.selectors import participant_ids_in_scope
from atd.reviews.models import ReviewAppeal, ReviewRequest


def review_queryset_in_scope(scope: Scope) -> QuerySet[ReviewRequest]:
    return ReviewRequest.objects.filter(participant_id__in=participant_ids_in_scope(scope))


def appeal_queryset_in_scope(scope: Scope) -> QuerySet[ReviewAppeal]:
    return ReviewAppeal.objects.filter(
        request__participant_id__in=participant_ids_in_scope(scope)
    ).select_related("request")


def review_read(*, scope: Scope, actor: Any, request_id: int) -> ReviewRequest:
    return read_one_audited(
        review_queryset_in_scope(scope),
        pk=request_id,
        actor=actor,
        action="review.read",
        object_type="review",
    )


def reviews_for_participant(*, scope: Scope, participant_id: int) -> list[ReviewRequest]:
    """For pages that have already audited their read of the participant."""
    return list(
        review_queryset_in_scope(scope)
        .filter(participant_id=participant_id)
        .select_related("appeal")
        .order_by("-requested_at", "-pk")
    )


def review_queue(*, scope: Scope, limit: int = 200) -> list[ReviewRequest]:
    """Waiting requests and appeals, earliest deadline first."""
    return list(
        review_queryset_in_scope(scope)
        .filter(status="pending")
        .select_related("participant")
        .order_by("due_at", "pk")[:limit]
    )


def appeal_queue(*, scope: Scope, limit: int = 200) -> list[ReviewAppeal]:
    return list(
        appeal_queryset_in_scope(scope).filter(status="pending").order_by("due_at", "pk")[:limit]
    )


def reviews_overdue(*, scope: Scope, now: datetime, limit: int = 50) -> list[ReviewRequest]:
    """Undecided requests past their deadline, the longest overdue first (the dashboard card;
    the caller audits the names it shows)."""
    return list(
        review_queryset_in_scope(scope)
        .filter(status="pending", due_at__lt=now)
        .select_related("participant")
        .order_by("due_at", "pk")[:limit]
    )


def appeals_overdue(*, scope: Scope, now: datetime, limit: int = 50) -> list[ReviewAppeal]:
    return list(
        appeal_queryset_in_scope(scope)
        .filter(status="pending", due_at__lt=now)
        .select_related("request__participant")
        .order_by("due_at", "pk")[:limit]
    )


def review_appeal_of(request: ReviewRequest) -> ReviewAppeal | None:
    return ReviewAppeal.objects.filter(request=request).first()


def review_counts(scope: Scope) -> dict[str, Any]:
    """Volume, outcomes and turnaround for the KPIs."""
    rows = list(
        review_queryset_in_scope(scope).values_list(
            "status", "source", "requested_at", "decided_at"
        )
    )
    by_status: dict[str, int] = {}
    by_source: dict[str, int] = {}
    turnaround: list[float] = []
    for status, source, requested_at, decided_at in rows:
        by_status[status] = by_status.get(status, 0) + 1
        by_source[source] = by_source.get(source, 0) + 1
        if decided_at is not None:
            turnaround.append((decided_at - requested_at).total_seconds() / 86400)
    return {
        "total": len(rows),
        "by_status": by_status,
        "by_source": by_source,
        "turnaround": turnaround,
    }
