"""Portal pages: the participant's own data, installability, language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from atd.checkins.tests.support import plan_for
from atd.core import clock
from atd.core.extensions import PortalSection, portal_sections, register_portal_section
from atd.testing.world import World

pytestmark = pytest.mark.django_db


def test_home_shows_the_next_window_and_links_to_check_in(world: World, client_for: Any) -> None:
    plan_for(world.participants["officer_a"].pk, at=clock.now() - timedelta(days=7))
    r = client_for("participant").get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert b'id="next-window"' in r.content
    assert b"/portal/checkin/" in r.content


def test_staff_are_sent_to_the_console(world: World, client_for: Any) -> None:
    assert client_for("case_officer").get("/portal/checkin/").status_code == 302


def test_portal_renders_in_the_participants_preferred_language(
    world: World, client_for: Any
) -> None:
    # The world's participant prefers Spanish.
    r = client_for("participant").get("/portal/checkin/")
    assert r["Content-Language"] == "es"
    assert b"Enviar mi registro" in r.content


def test_language_switcher_overrides_the_preference(world: World, client_for: Any) -> None:
    client = client_for("participant")
    r = client.post("/portal/language/", {"language": "en", "next": "/portal/checkin/"})
    assert r.status_code == 302 and r["Location"] == "/portal/checkin/"
    page = client.get("/portal/checkin/")
    assert page["Content-Language"] == "en"
    assert b"Send my check-in" in page.content


def test_language_switch_never_redirects_off_site(world: World, client_for: Any) -> None:
    r = client_for("participant").post(
        "/portal/language/", {"language": "en", "next": "https://example.org/"}
    )
    assert r["Location"] == "/portal/"


def test_manifest_and_service_worker_make_the_portal_installable(db: Any, client: Any) -> None:
    m = client.get("/portal/manifest.webmanifest")
    assert m["Content-Type"] == "application/manifest+json"
    body = m.json()
    assert body["display"] == "standalone" and body["start_url"] == "/portal/"
    assert {i["sizes"] for i in body["icons"]} >= {"192x192", "512x512"}
    sw = client.get("/portal/sw.js")
    assert sw["Service-Worker-Allowed"] == "/portal/"
    assert b"addEventListener" in sw.content


def test_registered_portal_sections_are_rendered(world: World, client_for: Any) -> None:
    section = PortalSection(
        name="test-hearings",
        template="portal/test_section.html",
        context=lambda request, scope: {"what": "Hearing on 2026-05-01"},
    )
    register_portal_section(section)
    try:
        r = client_for("participant").get("/portal/")
        assert b"Hearing on 2026-05-01" in r.content
    finally:
        portal_sections.remove(section)


def test_window_times_are_shown_in_the_offices_timezone(world: World, client_for: Any) -> None:
    # Office A is in Chicago: a window opening at local midnight reads 00:00, not 06:00 UTC.
    plan_for(world.participants["officer_a"].pk, at=clock.now() - timedelta(days=7))
    client = client_for("participant")
    client.post("/portal/language/", {"language": "en"})
    page = client.get("/portal/checkin/").content.decode()
    assert "midnight" in page or "12:00 a.m." in page or "00:00" in page
    assert "6 a.m." not in page and "06:00" not in page
