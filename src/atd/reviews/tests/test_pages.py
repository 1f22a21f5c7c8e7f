"""Pages: the officer's participant page shows the court and review panels; the portal
section and the letter render in the participant's language."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from atd.core.scope import Scope
from atd.reviews import views
from atd.testing.reviews import denied_review
from atd.testing.world import World


def test_participant_page_shows_court_and_review_panels(world: World, client_for: Any) -> None:
    page = client_for("case_officer").get(f"/participants/{world.participants['officer_a'].pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Legal status" in body and "Departure assistance" in body
    assert "Reviews of monitoring" in body


def test_letter_is_in_the_participants_language(world: World, client_for: Any) -> None:
    review = denied_review(world)
    body = client_for("participant").get(f"/reviews/{review.pk}/letter/").content.decode()
    assert "Su solicitud fue negada" in body and "Two missed check-ins" in body
    english = client_for("case_officer").get(f"/reviews/{review.pk}/letter/?lang=en")
    assert "Your request is denied" in english.content.decode()
    pdf = client_for("participant").get(f"/reviews/{review.pk}/letter.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_portal_section_lists_the_request_with_its_letter_and_appeal(world: World, rf: Any) -> None:
    review = denied_review(world)
    request = rf.get("/")
    request.user = world.user("participant")
    ctx = views.portal_section_context(request, Scope.for_user(world.user("participant")))
    assert ctx is not None
    html = render_to_string("reviews/portal_section.html", {"ctx": ctx}, request=request)
    assert f"/reviews/{review.pk}/letter/" in html and f"/reviews/{review.pk}/appeal/" in html


def test_queue_and_detail_pages_render_for_the_officer(world: World, client_for: Any) -> None:
    review = denied_review(world)
    client = client_for("case_officer")
    assert client.get("/reviews/queue/").status_code == 200
    detail = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "Compliance record" in detail and "Decision letter" in detail
