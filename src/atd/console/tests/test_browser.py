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
from atd.alerts.types import AlertEvidence, AlertKind, DeviceHealth, EvidencePosition
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.telemetry.tests.conftest import make_tracked
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
                kind=AlertKind.STRAP_TAMPER,
                occurred_at=clock.now(),
                source="device_event",
                source_ref=ref,
                participant_id=world.participants[who].pk,
                detail={"event": "strap_open"},
                evidence=AlertEvidence(
                    device=DeviceHealth(device_id=None, battery=62, last_contact_at=clock.now()),
                    positions=(
                        EvidencePosition(at=clock.now(), lat=41.881, lon=-87.627, accuracy_m=8),
                    ),
                ),
            )
        ],
    )
    return (result.created + result.updated)[0]


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _zones_and_track(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from atd.core.scope import Scope
    from atd.supervision.services import zone_create
    from atd.telemetry.services import telemetry_ingest

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
            "seq": i,
            "lat": 41.8781 + 0.004 * math.sin(i / 9),
            "lon": -87.6298 + 0.006 * math.cos(i / 13),
            "time": (now - timedelta(minutes=30 * (300 - i))).isoformat(),
        }
        for i in range(300)
    ]
    # A worn device sends the track: stored by telemetry, read by the map.
    tracked = make_tracked(world)
    stored = telemetry_ingest(
        actor=None, records=points, via="http", serial=tracked.serial, secret=tracked.secret
    )
    assert stored.accepted == len(points), stored.rejected


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
                kind=AlertKind.BATTERY_LOW,
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

    # With zones and a synthetic track (sent as a device would) the map draws the line, the
    # zones and the current position.
    _zones_and_track(world, monkeypatch)
    page.reload()
    page.wait_for_selector("#track-status:has-text('positions since')")
    assert page.locator("#track-map path.leaflet-interactive").count() >= 3
    shot(page, "participant.png")

    tablet = page_for(browser, live_server, world.users["case_officer"], width=820)
    tablet.goto(f"{live_server.url}/participants/{pid}/")
    overflow = tablet.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the participant page scrolls sideways on a tablet"
    # On a 393 px phone its tables scroll in their own boxes; the page itself does not.
    phone = page_for(browser, live_server, world.users["case_officer"], width=393)
    phone.goto(f"{live_server.url}/participants/{pid}/")
    phone.wait_for_selector("#track-status:has-text('positions since')")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the participant page is {overflow} px too wide on a phone"


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


UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')).filter(el => {
  if (el.offsetParent === null) return false;  // not shown
  const byFor = el.id && document.querySelector('label[for="' + el.id + '"]');
  return !(el.closest('label') || byFor || el.getAttribute('aria-label') ||
           el.getAttribute('aria-labelledby') || el.title ||
           (el.tagName === 'BUTTON' && el.textContent.trim()) ||
           (el.type === 'submit' && el.value));
}).map(el => el.outerHTML.slice(0, 120))"""

LOW_CONTRAST_TEXT = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => { for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); }
    return [255, 255, 255]; };
  const bad = [];
  document.querySelectorAll('main *').forEach(el => {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.offsetParent === null) return;
    const style = getComputedStyle(el);
    const a = lum(rgb(style.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 ||
      (parseFloat(style.fontSize) >= 18.66 && parseInt(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(el.tagName + ' "' + el.textContent.trim()
      .slice(0, 30) + '" ' + ratio.toFixed(2));
  });
  return bad.slice(0, 10);
}"""


def test_console_pages_are_labelled_legible_and_fit_1280_and_a_tablet(
    browser: Any, live_server: Any, world: World
) -> None:
    """WCAG basics the issue asks for, on the pages officers use most: every visible control
    has a label, text has AA contrast, Tab starts at the skip link and reaches the main
    content, and nothing scrolls sideways at 1280 px or on an 820 px tablet. The supervisor's
    dashboard carries the check-in and hearing cards (with their per-officer tables)."""
    from atd.checkins.models import CheckinWindow
    from atd.court.models import Hearing

    now = clock.now()
    for key in ("officer_a", "specialist_a"):
        case = world.cases[key]
        CheckinWindow.objects.create(
            participant_id=case.participant_id,
            case=case,
            source="plan",
            mode="remote",
            due_date=now.date(),
            opens_at=now - timedelta(hours=2),
            closes_at=now + timedelta(hours=20),
            created_at=now,
        )
        Hearing.objects.create(
            participant_id=case.participant_id,
            case=case,
            scheduled_at=now + timedelta(hours=3),
            court_name="Immigration Court (synthetic)",
            hearing_type="master",
            recorded_at=now,
            recorded_by="test",
        )
    tamper(world, "strap-a11y")
    pid = world.participants["officer_a"].pk
    for width in (1280, 820):
        page = page_for(browser, live_server, world.users["supervisor"], width=width)
        for path in ("/", "/alerts/", f"/participants/{pid}/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_selector("main h1")
            where = f"{path} at {width} px"
            assert page.evaluate(UNLABELLED_CONTROLS) == [], f"unlabelled controls on {where}"
            assert page.evaluate(LOW_CONTRAST_TEXT) == [], f"low contrast text on {where}"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{where} scrolls sideways"
            if path == "/":
                assert page.locator("#checkins-today-h").is_visible()
                assert page.locator("#hearings-week-h").is_visible()
                shot(page, "dashboard-supervisor.png" if width == 1280 else "dashboard-tablet.png")
        page.goto(f"{live_server.url}/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        inside_main = page.evaluate("!!document.activeElement.closest('main')")
        assert inside_main, "after the skip link, Tab goes into the main content"
