"""Reads of matching: the linkage read model over people's tables, batches, the review queue.

The review queue is records analysts' work: they see only what a decision needs (names as
recorded, dates of birth, booking facts, the model's explanation), never the rest of a
participant's record. Every read of a candidate is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from atd.core.audit import audit_record, read_one_audited
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.matching.choices import CandidateStatus
from atd.matching.models import BookingRecord, FeedBatch, LinkageModel, MatchCandidate
from atd.people.selectors import (  # noqa: F401  (participants_for_linkage: tests call it here)
    alias_names,
    participant_names,
    participants_for_linkage,
)

QUEUE_ROLES = (Role.RECORDS_ANALYST, Role.ADMIN)
BATCH_ROLES = (Role.RECORDS_ANALYST, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)


def feed_batch_get(*, scope: Scope, batch_id: int) -> FeedBatch:
    """Counts and row errors (row, field, reason: no personal values)."""
    if scope.role not in BATCH_ROLES:
        raise NotFound()
    batch = FeedBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def feed_batch_list(*, scope: Scope, limit: int = 50) -> list[FeedBatch]:
    if scope.role not in BATCH_ROLES:
        return []
    return list(FeedBatch.objects.order_by("-received_at", "-pk")[:limit])


def bookings_unlinked_batches() -> QuerySet[FeedBatch]:
    return FeedBatch.objects.filter(linked_at__isnull=True).order_by("pk")


def bookings_for_linkage(
    *, batch_ids: list[int] | None = None, received_since: datetime | None = None
) -> QuerySet[BookingRecord]:
    qs = BookingRecord.objects.all()
    if batch_ids is not None:
        qs = qs.filter(batch_id__in=batch_ids)
    if received_since is not None:
        qs = qs.filter(received_at__gte=received_since)
    return qs.order_by("pk")


def linkage_model_active() -> LinkageModel | None:
    return LinkageModel.objects.filter(is_active=True).first()


# --- the review queue ---------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    candidate: MatchCandidate
    participant: dict[str, Any]
    alias_name: str


def _candidates_in_scope(scope: Scope) -> QuerySet[MatchCandidate]:
    if scope.role not in QUEUE_ROLES:
        return MatchCandidate.objects.none()
    return MatchCandidate.objects.select_related("booking")


def review_queue_read(
    *, scope: Scope, actor: Any, status: str = CandidateStatus.PENDING, limit: int = 100
) -> list[QueueItem]:
    """Candidates to decide, most probable first; the ids shown are audited."""
    scope.require(*QUEUE_ROLES)
    rows = list(
        _candidates_in_scope(scope).filter(status=status).order_by("-probability", "pk")[:limit]
    )
    items = _queue_items(rows)
    audit_record(
        actor=actor,
        action="matching.queue_read",
        object_type="match_candidate",
        object_ids=[c.pk for c in rows],
        reason=f"status={status}",
    )
    return items


def candidate_detail_read(*, scope: Scope, actor: Any, candidate_id: int) -> QueueItem:
    candidate = read_one_audited(
        _candidates_in_scope(scope),
        pk=candidate_id,
        actor=actor,
        action="matching.candidate_read",
        object_type="match_candidate",
    )
    return _queue_items([candidate])[0]


def _queue_items(rows: list[MatchCandidate]) -> list[QueueItem]:
    people = participant_names(sorted({c.participant_id for c in rows}))
    aliases = alias_names(sorted({c.alias_id for c in rows if c.alias_id}))
    return [
        QueueItem(
            candidate=c,
            participant=people.get(c.participant_id, {}),
            alias_name=aliases.get(c.alias_id or -1, ""),
        )
        for c in rows
    ]


def queue_counts(scope: Scope) -> dict[str, int]:
    if scope.role not in QUEUE_ROLES:
        return {}
    from django.db.models import Count

    rows = MatchCandidate.objects.values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def fingerprints_known_for(participant_id: int) -> set[str]:
    """Fingerprint identifiers of bookings already confirmed as this participant."""
    return set(
        MatchCandidate.objects.filter(
            participant_id=participant_id, status=CandidateStatus.CONFIRMED
        )
        .exclude(booking__fingerprint_id="")
        .values_list("booking__fingerprint_id", flat=True)
    )


# --- the locate package (issue 19) --------------------------------------------------------


@dataclass(frozen=True)
class LinkedBooking:
    """A booking record linked to a participant by a pending or confirmed match."""

    candidate_id: int
    status: str
    probability: float
    booking_date: Any
    agency: str
    source: str
    booking_id: str
    city: str


def bookings_linked_to_participant(
    *, scope: Scope, participant_id: int, limit: int = 20
) -> list[LinkedBooking]:
    """Bookings matched (pending or confirmed, never rejected) to a participant the caller may
    see, newest first. Scope applied through people; the caller audits (the locate package)."""
    from atd.people.selectors import participant_exists_in_scope

    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        raise NotFound()
    rows = (
        MatchCandidate.objects.filter(participant_id=participant_id)
        .exclude(status=CandidateStatus.REJECTED)
        .select_related("booking")
        .order_by("-booking__booking_date", "-pk")[:limit]
    )
    return [
        LinkedBooking(
            candidate_id=c.pk,
            status=c.status,
            probability=c.probability,
            booking_date=c.booking.booking_date,
            agency=c.booking.agency,
            source=c.booking.source,
            booking_id=c.booking.booking_id,
            city=c.booking.city,
        )
        for c in rows
    ]
