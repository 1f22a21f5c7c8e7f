"""Access matrix entries for reviews (see atd.testing.access)."""

from __future__ import annotations

from datetime import timedelta

from atd.core import clock
from atd.reviews.models import ReviewAppeal, ReviewRequest
from atd.testing.access import CASE_ROLES, SUPERVISION_ROLES, Rule, participant_ids
from atd.testing.world import World

_INSIDE = {
    "case_officer": "officer_a",
    "contractor_specialist": "specialist_a",
    "supervisor": "officer_a",
    "admin": "officer_a",
    "participant": "officer_a",
}


def _review(world: World, key: str, *, decided: bool) -> ReviewRequest:
    case = world.cases[key]
    now = clock.now()
    return ReviewRequest.objects.create(
        participant_id=case.participant_id,
        case=case,
        source="portal",
        requested_at=now - timedelta(days=3),
        requested_by="test",
        due_at=now + timedelta(days=11),
        current_technology="gps_ankle",
        to_technology="wrist",
        status="denied" if decided else "pending",
        decided_at=now - timedelta(days=1) if decided else None,
        reason="short_record" if decided else "",
        appeal_until=now + timedelta(days=20) if decided else None,
    )


def review_ids(world: World, role: str) -> tuple[int | None, int]:
    key = _INSIDE.get(role)
    inside = _review(world, key, decided=False).pk if key else None
    return inside, _review(world, "office_b", decided=False).pk


def decided_review_ids(world: World, role: str) -> tuple[int | None, int]:
    key = _INSIDE.get(role)
    inside = _review(world, key, decided=True).pk if key else None
    return inside, _review(world, "office_b", decided=True).pk


def _appeal(world: World, key: str) -> int:
    request = _review(world, key, decided=True)
    return ReviewAppeal.objects.create(
        request=request,
        filed_at=clock.now(),
        filed_by="test",
        due_at=clock.now() + timedelta(days=14),
    ).pk


def appeal_ids(world: World, role: str) -> tuple[int | None, int]:
    inside = _appeal(world, "officer_a") if role in SUPERVISION_ROLES else None
    return inside, _appeal(world, "office_b")


OBJECTS = {
    "participant_id": participant_ids,
    "review_id": review_ids,
    "decided_review_id": decided_review_ids,
    "appeal_id": appeal_ids,
}


def _form(roles: frozenset[str], body: dict[str, str]) -> Rule:
    return Rule(roles=roles, body=body, content_type="form", ok_statuses=frozenset({302}))


PARTICIPANT_SIDE = CASE_ROLES | {"participant"}

ENDPOINTS = {
    "POST /api/reviews/participants/{participant_id}/requests": Rule(
        roles=PARTICIPANT_SIDE, body={}
    ),
    "GET /api/reviews/requests/{review_id}": Rule(roles=PARTICIPANT_SIDE),
    "POST /api/reviews/requests/{review_id}/decision": Rule(
        roles=CASE_ROLES, body={"approve": False, "reason": "short_record", "text": "why"}
    ),
    "POST /api/reviews/requests/{decided_review_id}/appeal": Rule(
        roles=PARTICIPANT_SIDE, body={"statement": "please"}
    ),
    "POST /api/reviews/appeals/{appeal_id}/decision": Rule(
        roles=SUPERVISION_ROLES, body={"overturn": False, "reason": "short_record", "text": "why"}
    ),
    "GET /reviews/<review_id>/": Rule(roles=CASE_ROLES),
    "POST /reviews/<review_id>/decide/": _form(
        CASE_ROLES, {"decision": "deny", "reason": "short_record", "text": "why"}
    ),
    "POST /reviews/<decided_review_id>/appeal/": _form(PARTICIPANT_SIDE, {"statement": "please"}),
    "GET /reviews/<decided_review_id>/letter/": Rule(roles=PARTICIPANT_SIDE),
    "GET /reviews/<decided_review_id>/letter.pdf": Rule(roles=PARTICIPANT_SIDE),
    "POST /reviews/appeals/<appeal_id>/decide/": _form(
        SUPERVISION_ROLES, {"decision": "uphold", "reason": "short_record", "text": "why"}
    ),
    "POST /reviews/participants/<participant_id>/request/": _form(CASE_ROLES, {"statement": ""}),
}
