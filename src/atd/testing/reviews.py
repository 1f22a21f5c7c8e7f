"""Review requests for tests: a decided one, as the portal and the reviews pages show it."""

from __future__ import annotations

from datetime import timedelta

from atd.core import clock
from atd.reviews.models import ReviewRequest
from atd.testing.world import World


def denied_review(
    world: World, *, reason_text: str = "Two missed check-ins in April."
) -> ReviewRequest:
    """A portal request of the participant of `world.cases["officer_a"]`, denied just now for
    missed check-ins, open to appeal for 30 days; `reason_text` is the officer's explanation."""
    case = world.cases["officer_a"]
    now = clock.now()
    return ReviewRequest.objects.create(
        participant_id=case.participant_id,
        case=case,
        source="portal",
        requested_at=now - timedelta(days=3),
        requested_by="p",
        due_at=now + timedelta(days=11),
        current_technology="gps_ankle",
        status="denied",
        decided_at=now,
        reason="missed_checkins",
        reason_text=reason_text,
        appeal_until=now + timedelta(days=30),
    )
