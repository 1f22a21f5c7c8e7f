"""Pages: the officer's participant page shows the court and review panels; the portal
section and the letter render in the participant's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.template.loader import render_to_string

from atd.core import clock
from atd.core.scope import Scope
from atd.reviews import views
from atd.reviews.models import ReviewRequest
from atd.testing.world import World


def _denied(world: World) -> ReviewRequest:
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
        reason_text="Two missed check-ins in April.",
        appeal_until=now + timedelta(days=30),
    )


def test_participant_page_shows_court_and_review_panels(world: World, client_for: Any) -> None:
    page = client_for("case_officer").get(f"/participants/{world.participants['officer_a'].pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Legal status" in body and "Departure assistance" in body
    assert "Reviews of monitoring" in body


def test_letter_is_in_the_participants_language(world: World, client_for: Any) -> None:
    review = _denied(world)
    body = client_for("participant").get(f"/reviews/{review.pk}/letter/").content.decode()
    assert "Su solicitud fue negada" in body and "Two missed check-ins" in body
    english = client_for("case_officer").get(f"/reviews/{review.pk}/letter/?lang=en")
    assert "Your request is denied" in english.content.decode()
    pdf = client_for("participant").get(f"/reviews/{review.pk}/letter.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_portal_section_lists_the_request_with_its_letter_and_appeal(world: World, rf: Any) -> None:
    review = _denied(world)
    request = rf.get("/")
    request.user = world.user("participant")
    ctx = views.portal_section_context(request, Scope.for_user(world.user("participant")))
    assert ctx is not None
    html = render_to_string("reviews/portal_section.html", {"ctx": ctx}, request=request)
    assert f"/reviews/{review.pk}/letter/" in html and f"/reviews/{review.pk}/appeal/" in html


def test_queue_and_detail_pages_render_for_the_officer(world: World, client_for: Any) -> None:
    review = _denied(world)
    client = client_for("case_officer")
    assert client.get("/reviews/queue/").status_code == 200
    detail = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "Compliance record" in detail and "Decision letter" in detail
