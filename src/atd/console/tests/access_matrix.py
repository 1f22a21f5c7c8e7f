"""Access matrix entries for console pages of its own (see atd.testing.access)."""

from __future__ import annotations

from atd.core import clock
from atd.people.models import LocateReferral
from atd.testing.access import CASE_ROLES, Rule, case_ids
from atd.testing.world import World


def referral_ids(world: World, role: str) -> tuple[int | None, int]:
    """A locate referral on the role's own case, and one on another office's case."""

    def make(case_id: int) -> int:
        return LocateReferral.objects.create(
            case_id=case_id, taken_by="Team", opened_at=clock.now(), opened_by="test"
        ).pk

    inside, outside = case_ids(world, role)
    if role not in CASE_ROLES:
        inside = None
    return (make(inside) if inside is not None else None), make(outside)


def _form(body: dict[str, str]) -> Rule:
    """A console form: it redirects back to the participant page (a refused change says why
    in a message there)."""
    return Rule(roles=CASE_ROLES, body=body, content_type="form", ok_statuses=frozenset({302}))


OBJECTS: dict = {"referral_id": referral_ids}  # participant, case and alert ids: other matrices

ENDPOINTS = {
    "GET /participants/<participant_id>/track.json": Rule(roles=CASE_ROLES),
    "GET /participants/<participant_id>/locate/": Rule(roles=CASE_ROLES),
    "POST /cases/<case_id>/reopen/": _form({"reopen_reason": "re_encounter"}),
    "POST /cases/<case_id>/referral/": _form({"taken_by": "Field team"}),
    "POST /referrals/<referral_id>/attempt/": _form({"note": "visited"}),
    "POST /referrals/<referral_id>/outcome/": _form({"outcome": "not_found", "note": "x"}),
    "POST /at-large/<alert_id>/confirm/": _form({"reason": "lost"}),
    "POST /at-large/<alert_id>/dismiss/": _form({"reason": "found"}),
}
