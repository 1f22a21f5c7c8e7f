"""In Chromium: an officer enrols a participant's phone from the participant page and the
set-up QR shows, readable by a scanner, at desktop and phone widths; the identifier is in no
URL the browser visits."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from django.test import Client
from PIL import Image

from atd.console.tests.test_browser import SHOTS, browser, page_for  # noqa: F401 (fixture)
from atd.core import clock
from atd.core.scope import Scope
from atd.devices.models import Device
from atd.supervision.services import plan_set
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_enrolment_qr_shows_on_the_participant_page_and_scans(
    browser: Any,  # noqa: F811
    live_server: Any,
    world: World,
    width: int,
) -> None:
    pid = world.participants["officer_a"].pk
    plan_set(
        actor=world.user("case_officer"),
        scope=Scope.for_user(world.user("admin")),
        participant_id=pid,
        technology="smartphone",
        cadence_days=7,
        checkin_mode="remote",
        start_date=date(2026, 1, 5),
        reason="step-down",
    )
    page = page_for(browser, live_server, world.user("case_officer"), width=width)
    page.goto(f"{live_server.url}/participants/{pid}/#devices")
    page.get_by_role("button", name="Enrol the participant's phone for tracking").click()
    page.wait_for_url("**/phone-setup/")
    qr = page.get_by_test_id("tracker-qr")
    qr.wait_for()
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-enrolment-{width}.png"), full_page=True)
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert len(codes) == 1
    query = {k: v[0] for k, v in parse_qs(urlsplit(codes[0].text).query).items()}
    identifier = Device.objects.get(participant_id=pid, kind="smartphone").serial
    assert query["id"] == identifier and query["interval"] == "300"
    assert query["url"] == f"{live_server.url}/api/telemetry/osmand"
    assert identifier not in page.url
    assert page.get_by_test_id("tracker-id").inner_text() == identifier
    # No horizontal scroll at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    # The app reports (an OsmAnd GET, no key); the participant page shows the phone's health.
    now = clock.now()
    report = Client().get(
        "/api/telemetry/osmand",
        {
            "id": identifier,
            "timestamp": str(int(now.timestamp()) - 5),
            "lat": "41.88",
            "lon": "-87.63",
            "accuracy": "11",
            "batt": "42",
            "charge": "true",
            "motion": "true",
        },
    )
    assert report.status_code == 200
    page.goto(f"{live_server.url}/participants/{pid}/#devices")
    devices = page.locator("#devices")
    devices.wait_for()
    shown = devices.inner_text()
    assert "42 %" in shown and "charging" in shown and "±11 m" in shown and "moving" in shown
    assert identifier not in page.content()
    devices.screenshot(path=str(SHOTS / f"phone-health-{width}.png"))
