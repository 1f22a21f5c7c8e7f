"""Access matrix entries for matching (see atd.testing.access)."""

from __future__ import annotations

from datetime import date

from atd.core import clock
from atd.matching.linkage.model import settings_new
from atd.matching.models import BookingRecord, FeedBatch, LinkageModel, MatchCandidate
from atd.testing.access import Rule
from atd.testing.world import World

QUEUE = frozenset({"records_analyst", "admin"})
BATCHES = frozenset({"records_analyst", "supervisor", "admin"})


def _batch() -> FeedBatch:
    return FeedBatch.objects.create(
        source="test",
        channel="api",
        content_sha256="0" * 64,
        received_at=clock.now(),
        actor_label="test",
    )


def feed_batch_ids(world: World, role: str) -> tuple[int | None, int]:
    batch = _batch()
    return (batch.pk if role in BATCHES else None), 999_999_999


def candidate_ids(world: World, role: str) -> tuple[int | None, int]:
    """A pending candidate for the world's participant; analysts see every candidate."""
    batch = _batch()
    booking = BookingRecord.objects.create(
        source="test",
        booking_id=f"B{batch.pk}",
        booking_date=date(2026, 11, 1),
        agency="County Jail",
        given_names="Ana",
        first_surname="Pérez",
        date_of_birth=date(1990, 1, 2),
        batch=batch,
        received_at=clock.now(),
    )
    model = LinkageModel.objects.filter(is_active=True).first() or LinkageModel.objects.create(
        version=1,
        trained_at=clock.now(),
        is_active=True,
        settings_json={"link_type": "link_only", "n": len(settings_new().comparisons)},
    )
    candidate = MatchCandidate.objects.create(
        booking=booking,
        participant=world.participants["officer_a"],
        probability=0.999,
        match_weight=12.0,
        model=model,
        created_at=clock.now(),
    )
    return (candidate.pk if role in QUEUE else None), 999_999_999


def feed_sources(world: World, role: str) -> tuple[int | None, int]:
    # The feed endpoint is for API keys only: every session role is refused.
    return None, 0


OBJECTS = {
    "feed_batch_id": feed_batch_ids,
    "candidate_id": candidate_ids,
    "source": feed_sources,
}

_decision = {"second_identifier": "date_of_birth", "reason": "same person"}

ENDPOINTS = {
    "POST /api/matching/feeds/{source}/records": Rule(roles=frozenset(), body={"records": []}),
    "GET /api/matching/batches/{feed_batch_id}": Rule(roles=BATCHES, scoped=False),
    "GET /matching/batches/<feed_batch_id>/": Rule(roles=BATCHES, scoped=False),
    "GET /matching/candidates/<candidate_id>/": Rule(roles=QUEUE, scoped=False),
    "POST /matching/candidates/<candidate_id>/confirm/": Rule(
        roles=QUEUE,
        scoped=False,
        body=_decision,
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
    "POST /matching/candidates/<candidate_id>/reject/": Rule(
        roles=QUEUE,
        scoped=False,
        body={"reason": "different person"},
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
}
