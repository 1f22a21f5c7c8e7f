"""Real-browser tests (Playwright driving Debian's Chromium) of the officer console: a strap
tamper alert appears on the dashboard by itself, is acknowledged and resolved, shows on the
timeline; a supervisor sees an alert escalated past its SLA. Screenshots are test artifacts in
test-artifacts/screenshots/; refresh the committed ones (linked from the README tour) with
`ATD_SCREENSHOT_DIR=docs/screenshots pytest -m browser src/atd/console`."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.testing.services import require_chromium
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / os.environ.get("ATD_SCREENSHOT_DIR", "test-artifacts/screenshots")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 20_000


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Any]:
    path = require_chromium()
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are
    # still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ATD_CONSOLE_POLL_SECONDS = 1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


def page_for(browser: Any, live_server: Any, user: Any, width: int = 1280) -> Any:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def tamper(world: World, ref: str, who: str = "officer_a") -> int:
    result = alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind="strap_tamper",
                occurred_at=clock.now(),
                source="device_event",
                source_ref=ref,
                participant_id=world.participants[who].pk,
                detail={"event": "strap_open"},
                evidence={
                    "device": {"battery": 62, "last_contact": clock.now().isoformat()},
                    "positions": [
                        {"at": clock.now().isoformat(), "lat": 41.881, "lon": -87.627, "acc": 8}
                    ],
                },
            )
        ],
    )
    return (result.created + result.updated)[0]


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _zones_and_track(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import atd.console.track as track
    from atd.core.scope import Scope
    from atd.supervision.services import zone_create

    officer = world.users["case_officer"]
    pid = world.participants["officer_a"].pk
    zone_create(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        name="Home",
        kind="inclusion",
        center_lat=41.8781,
        center_lon=-87.6298,
        radius_m=1500,
    )
    zone_create(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        name="Restricted area",
        kind="exclusion",
        polygon=[[-87.61, 41.89], [-87.60, 41.89], [-87.60, 41.895], [-87.61, 41.895]],
    )
    now = clock.now()
    points = [
        {
            "lat": 41.8781 + 0.004 * math.sin(i / 9),
            "lon": -87.6298 + 0.006 * math.cos(i / 13),
            "at": now - timedelta(minutes=30 * (300 - i)),
        }
        for i in range(300)
    ]
    monkeypatch.setattr(
        track,
        "optional_function",
        lambda module, name: (lambda *a: points) if name == "track_for_participant" else None,
    )


def test_tamper_alert_appears_live_and_is_resolved_with_a_disposition(
    browser: Any, live_server: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = page_for(browser, live_server, world.users["case_officer"])
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#dashboard-alerts")
    assert page.locator("#dashboard-alerts tr.alert-row").count() == 0

    alert_id = tamper(world, "strap-1")
    alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind="battery_low",
                occurred_at=clock.now(),
                source="device_event",
                source_ref="battery-1",
                participant_id=world.participants["officer_a"].pk,
            )
        ],
    )
    # No reload: the live refresh must bring the row in.
    row = page.wait_for_selector(f'#dashboard-alerts tr[data-alert-id="{alert_id}"]')
    assert "Strap tamper" in row.inner_text()
    assert "left" in page.locator(f'tr[data-alert-id="{alert_id}"] time.sla').inner_text()
    shot(page, "dashboard.png")

    page.goto(f"{live_server.url}/alerts/")
    page.wait_for_selector(f'tr[data-alert-id="{alert_id}"]')
    page.keyboard.press("j")  # keyboard shortcut focuses the first alert
    focused = page.evaluate("document.activeElement.closest('tr').dataset.alertId")
    assert focused is not None
    shot(page, "queue.png")

    page.click(f'tr[data-alert-id="{alert_id}"] a.alert-link')
    page.click("#acknowledge-btn")
    page.wait_for_selector("text=acknowledged.")
    page.select_option("#disposition", "device_fault")
    page.fill("#resolve-note", "Strap replaced at the office")
    page.click("#resolve-btn")
    page.wait_for_selector("text=resolved.")
    assert "Device fault" in page.locator("#alert-status").inner_text()

    pid = world.participants["officer_a"].pk
    page.goto(f"{live_server.url}/participants/{pid}/")
    timeline = page.locator("#timeline").inner_text()
    assert "Alert resolved: Strap tamper" in timeline
    assert "Device fault" in timeline
    page.wait_for_selector("#track-status:not(:has-text('Loading'))")
    assert "No track data" in page.locator("#track-status").inner_text()

    # With zones and a synthetic track (standing in for telemetry's selector) the map draws
    # the line, the zones and the current position.
    _zones_and_track(world, monkeypatch)
    page.reload()
    page.wait_for_selector("#track-status:has-text('positions since')")
    assert page.locator("#track-map path.leaflet-interactive").count() >= 3
    shot(page, "participant.png")

    tablet = page_for(browser, live_server, world.users["case_officer"], width=820)
    tablet.goto(f"{live_server.url}/participants/{pid}/")
    overflow = tablet.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the participant page scrolls sideways on a tablet"


def test_supervisor_sees_an_alert_escalated_past_its_sla(
    browser: Any, live_server: Any, world: World
) -> None:
    from atd.alerts.services.escalation import alert_escalate_due

    alert_id = tamper(world, "strap-esc")
    # The live_server thread shares this process's clock.
    clock.advance(timedelta(minutes=16))
    assert alert_escalate_due().escalated == 1
    page = page_for(browser, live_server, world.users["supervisor"])
    page.goto(f"{live_server.url}/")
    row = page.wait_for_selector(f'#escalated-alerts tr[data-alert-id="{alert_id}"]')
    assert "escalated L1" in row.inner_text()
    assert "breached" in row.inner_text()
    shot(page, "escalation.png")


def test_tamper_event_posted_to_telemetry_api_reaches_the_dashboard(
    browser: Any, live_server: Any, world: World
) -> None:
    """The same path as a real device: a strap_open event posted to POST /api/telemetry with
    the device's credentials (telemetry's own fixture enrols the device)."""
    try:
        from atd.telemetry.tests.conftest import make_tracked
    except ImportError:
        pytest.skip(
            "POST /api/telemetry and its device fixture (telemetry app) are not in this "
            "branch; the alert is raised through alert_raise_many in the tests above"
        )
    tracked = make_tracked(world)
    page = page_for(browser, live_server, world.users["case_officer"])
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#dashboard-alerts")
    response = page.request.post(
        f"{live_server.url}/api/telemetry",
        headers={
            "X-Device-Serial": tracked.serial,
            "X-Device-Key": tracked.secret,
            "Content-Type": "application/json",
        },
        data=json.dumps(
            [
                {
                    "seq": 1,
                    "time": clock.now().isoformat(),
                    "lat": 41.88,
                    "lon": -87.63,
                    "accuracy": 10,
                    "battery": 80,
                },
                {"event": "strap_open", "time": clock.now().isoformat()},
            ]
        ),
    )
    assert response.ok, response.text()
    row = page.wait_for_selector("#dashboard-alerts tr.alert-row")
    assert "Strap tamper" in row.inner_text()
