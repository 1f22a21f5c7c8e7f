"""Demo data for reviews: a few requests from the portal and by phone, one denied and appealed."""

from __future__ import annotations

from typing import Any

from atd.core.actors import SYSTEM
from atd.core.errors import DomainError
from atd.core.scope import Scope
from atd.people.selectors import case_queryset_in_scope
from atd.reviews import services
from atd.reviews.choices import ReviewSource
from atd.reviews.selectors import review_queryset_in_scope

ADMIN = Scope.system()


def reviews_demo_seed(ctx: dict[str, Any]) -> None:
    participant_ids = list(
        case_queryset_in_scope(ADMIN)
        .filter(status="active")
        .order_by("pk")
        .values_list("participant_id", flat=True)[:6]
    )
    for i, participant_id in enumerate(participant_ids):
        if review_queryset_in_scope(ADMIN).filter(participant_id=participant_id).exists():
            continue  # seeded before
        try:
            request = services.review_request_submit(
                actor=SYSTEM,
                scope=ADMIN,
                participant_id=participant_id,
                statement="I have reported every week and would like a lighter device."
                if i % 2 == 0
                else "",
                source=ReviewSource.OFFICER if i % 2 else ReviewSource.SYSTEM,
            )
        except DomainError:
            continue  # already seeded, or no open case
        if i == 0:
            services.review_decide(
                actor=SYSTEM,
                scope=ADMIN,
                request_id=request.pk,
                approve=False,
                reason="short_record",
                text="Please ask again after 90 days without a missed check-in.",
            )
            services.review_appeal_file(
                actor=SYSTEM, scope=ADMIN, request_id=request.pk, statement="My job needs it."
            )
