"""A booking match on a participant whose case is closed offers reopening (issue 19)."""

from __future__ import annotations

from typing import Any

from atd.core.scope import Scope
from atd.matching.tests.access_matrix import candidate_ids
from atd.people import services as people
from atd.people.models import Case
from atd.testing.world import World


def _close(world: World) -> Case:
    case = world.cases["officer_a"]
    people.case_change_status(
        actor=world.user("admin"),
        scope=Scope.for_user(world.user("admin")),
        case_id=case.pk,
        to_status="closed",
        closure_reason="voluntarily_departed",
        reason="departed",
    )
    return case


def test_a_match_on_a_closed_case_offers_reopening(world: World, client_for: Any) -> None:
    candidate_id, _ = candidate_ids(world, "admin")
    assert (
        b"reopen-offer"
        not in client_for("admin").get(f"/matching/candidates/{candidate_id}/").content
    )
    case = _close(world)
    page = client_for("admin").get(f"/matching/candidates/{candidate_id}/").content.decode()
    assert "reopen-offer" in page and f"/cases/{case.pk}/reopen/" in page
    analyst = client_for("records_analyst").get(f"/matching/candidates/{candidate_id}/")
    assert (
        b"reopen-offer" in analyst.content
        and f"/cases/{case.pk}/reopen/".encode() not in analyst.content
    )
    response = client_for("admin").post(
        f"/cases/{case.pk}/reopen/", {"reopen_reason": "re_encounter", "note": "booking"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "active"
