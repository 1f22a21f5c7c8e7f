"""Identity review in Chromium: an officer takes the enrolment photo in the console, the
participant checks in with a photo on a phone, the reviewer sees both photos side by side and
records "no match", which raises an alert. Images are synthetic avatars (shapes), never
photographs of people. Screenshots go to test-artifacts/screenshots/ (ATD_SCREENSHOT_DIR)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from atd.alerts.models import Alert
from atd.checkins.models import Checkin, EnrolmentPhoto, IdentityReview
from atd.checkins.tests.identity_support import avatar
from atd.core.models import AuditEntry
from atd.portal.tests.test_browser import HOME, _open_window, playwright_browser  # noqa: F401
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / os.environ.get("ATD_SCREENSHOT_DIR", "test-artifacts/screenshots")
PHONE = {"width": 390, "height": 844}


def _context(playwright_browser: Any, live_server: Any, user: Any, **options: Any) -> Any:  # noqa: F811
    _, browser = playwright_browser
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(**options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} is {width} px wide on a {inner} px screen"


def _loaded(page: Any, selector: str) -> None:
    page.wait_for_function(
        f"() => {{ const i = document.querySelector('{selector}'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )


def test_enrol_then_remote_photo_then_no_match_raises_an_alert(
    world: World,
    live_server: Any,
    playwright_browser: Any,  # noqa: F811
) -> None:
    pid = _open_window(world)
    officer = world.users["case_officer"]
    p, _ = playwright_browser

    # 1. The officer takes the enrolment photo at intake (desktop console).
    staff = _context(
        playwright_browser, live_server, officer, viewport={"width": 1280, "height": 900}
    )
    page = staff.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/participants/{pid}/")
    page.get_by_role("link", name="Take enrolment photo").click()
    page.set_input_files(
        "#photo",
        files=[
            {
                "name": "enrol.jpg",
                "mimeType": "image/jpeg",
                "buffer": avatar((70, 130, 180), gps=True),
            }
        ],
    )
    page.select_option("#source", "intake")
    page.get_by_role("button", name="Save enrolment photo").click()
    page.wait_for_url(f"**/participants/{pid}/")
    assert "Enrolment photo saved." in page.locator("body").inner_text()
    enrolment = EnrolmentPhoto.objects.get(participant_id=pid)
    assert b"SyntheticCam" not in bytes(enrolment.data)
    _shot(page, "identity-1-participant-enrolled.png")

    # 2. The participant checks in from a phone with a photo (a different avatar).
    device = dict(p.devices["Pixel 7"])
    device.pop("default_browser_type", None)
    device["viewport"] = PHONE
    phone = _context(
        playwright_browser,
        live_server,
        world.users["participant"],
        **device,
        geolocation=HOME,
        permissions=["geolocation"],
    )
    ppage = phone.new_page()
    ppage.set_default_timeout(20_000)
    ppage.goto(f"{live_server.url}/portal/checkin/")
    ppage.set_input_files(
        "#photo",
        files=[
            {"name": "me.png", "mimeType": "image/png", "buffer": avatar((200, 90, 60), fmt="PNG")}
        ],
    )
    _fits(ppage)
    ppage.locator("#checkin-form button[type=submit]").click()
    ppage.locator("[data-receipt]").wait_for()
    _shot(ppage, "identity-2-phone-checkin-receipt.png")
    checkin = Checkin.objects.get(participant_id=pid, kind="remote")
    assert checkin.photo.content_type == "image/jpeg"
    phone.close()

    # 3. The reviewer opens the queue and the review: both photos side by side.
    page.goto(f"{live_server.url}/checkins/identity/")
    assert checkin.receipt_code in page.locator("body").inner_text()
    _shot(page, "identity-3-queue.png")
    page.get_by_role("link", name="Review", exact=True).click()
    page.wait_for_url(f"**/checkins/identity/{checkin.pk}/")
    _loaded(page, "#enrolment-photo")
    _loaded(page, "#checkin-photo")
    left = page.locator("#enrolment-figure").bounding_box()
    right = page.locator("#checkin-figure").bounding_box()
    assert left and right
    assert abs(left["y"] - right["y"]) < 2 and right["x"] > left["x"] + left["width"] - 1
    _shot(page, "identity-4-review-side-by-side.png")
    reads = AuditEntry.objects.filter(
        action__in=["checkin.photo_read", "checkin.enrolment_photo_read"],
        reason__endswith="identity review",
        actor_id=officer.pk,
    )
    assert reads.count() >= 2

    # 4. No match: an alert exists for the participant.
    page.get_by_label("No match (raises an alert)").check()
    page.fill("#note", "Different person: face shape and hair do not match the enrolment photo.")
    page.get_by_role("button", name="Record verdict").click()
    page.locator("#verdict").wait_for()
    assert "Verdict: No match" in page.locator("#verdict").inner_text()
    review = IdentityReview.objects.get(checkin=checkin)
    assert review.alert_id is not None
    alert = Alert.objects.get(pk=review.alert_id)
    assert alert.kind == "identity_no_match" and alert.participant_id == pid
    assert page.locator(f"#verdict a[href='/alerts/{alert.pk}/']").count() == 1
    _shot(page, "identity-5-no-match-recorded.png")
    staff.close()

    # The review page on a phone-sized screen: the photos stack, nothing scrolls sideways.
    narrow = _context(playwright_browser, live_server, officer, viewport=PHONE)
    npage = narrow.new_page()
    npage.goto(f"{live_server.url}/checkins/identity/{checkin.pk}/")
    _loaded(npage, "#checkin-photo")
    _fits(npage)
    _shot(npage, "identity-6-review-phone.png")
    narrow.close()
