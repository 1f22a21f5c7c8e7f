"""Real-browser tests (Debian's Chromium) of issue 18's console half: the device page and an
assignment from the participant page, the live fleet map (clustered, a click opens the
participant), and the night shift's bulk acknowledge with search on `/`. Screenshots go to
test-artifacts/screenshots/ (docs/screenshots/ with ATD_SCREENSHOT_DIR=docs/screenshots)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from atd.alerts.models import Alert
from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertKind
from atd.console.tests.test_browser import browser, page_for, shot  # noqa: F401 (fixture)
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.scope import Scope
from atd.devices import services
from atd.devices.models import Device
from atd.people.models import Participant
from atd.supervision.models import DeviceTask
from atd.supervision.services import plan_set
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.testing.world import World, participant_with_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _caseload_with_positions(world: World, n: int) -> list[int]:
    """n more participants on officer A's caseload, each wearing a reporting device."""
    admin = world.user("admin")
    scope = Scope.for_user(admin)
    pids = []
    records = []
    now = clock.now()
    for i in range(n):
        p, _ = participant_with_case(
            world.office_a, world.user("case_officer"), given=f"Nadia{i}", surname="Ortega"
        )
        device, secret = services.device_register(
            actor=admin, serial=f"FLT-{i:03d}", kind="gps_ankle", office_id=world.office_a.pk
        )
        services.device_assign(actor=admin, scope=scope, device_id=device.pk, participant_id=p.pk)
        # A dense downtown group and a few spread out across the metro area.
        lat = 41.88 + (0.002 * (i % 4) if i < 8 else 0.05 * (i - 8))
        lon = -87.63 + (0.002 * (i // 4) if i < 8 else -0.06 * (i - 8))
        minutes = 200 if i == 9 else 2  # one without a signal
        records.append(
            {
                "device": device.serial,
                "key": secret,
                "seq": 1,
                "time": (now - timedelta(minutes=minutes)).isoformat(),
                "lat": lat,
                "lon": lon,
                "accuracy": 8,
            }
        )
        pids.append(p.pk)
    assert pipeline_run(submissions=[Submission(records)], via="http").accepted == n
    return pids


def test_device_is_assigned_from_the_participant_page_and_its_page_shows_health(
    browser: Any,  # noqa: F811
    live_server: Any,
    world: World,
) -> None:
    officer = world.user("case_officer")
    pid = world.participants["officer_a"].pk
    plan_set(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        technology="gps_ankle",
        cadence_days=28,
        checkin_mode="in_person",
        start_date=date(2026, 1, 5),
        reason="court order",
    )
    spare, _ = services.device_register(
        actor=None, serial="AM-7731", kind="gps_ankle", office_id=world.office_a.pk, firmware="3.2"
    )
    page = page_for(browser, live_server, officer)
    page.goto(f"{live_server.url}/participants/{pid}/#devices")
    panel = page.locator("#devices")
    assert "No device assigned" in panel.inner_text()
    panel.get_by_role("button", name="Assign").click()
    page.wait_for_url(f"**/participants/{pid}/**")
    assert "Device AM-7731 assigned." in page.locator(".messages").inner_text()
    assert "No device assigned" not in page.locator("#devices").inner_text()
    assert DeviceTask.objects.get(participant_id=pid, kind="assign").status == "done"
    page.locator("#devices").get_by_role("link", name="GPS ankle monitor AM-7731").click()
    page.wait_for_url(f"**/devices/{spare.pk}/")
    health = page.locator(".device-health").inner_text()
    assert "Battery" in health and "Strap" in health and "3.2" in health
    assert "Pérez, Ana" in page.locator("#wearer-h + p").inner_text()
    shot(page, "device-page.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    shot(page, "device-page-phone.png")
    assert Device.objects.get(pk=spare.pk).participant_id == pid


def test_fleet_map_clusters_refreshes_and_a_click_opens_the_participant(
    browser: Any,  # noqa: F811
    live_server: Any,
    world: World,
) -> None:
    pids = _caseload_with_positions(world, 12)
    alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind=AlertKind.STRAP_TAMPER,
                occurred_at=clock.now(),
                source="test",
                source_ref="fleet-browser",
                participant_id=pids[10],
            )
        ],
    )
    # Names are shown as text: markup in a name is never run or rendered in the tooltip.
    Participant.objects.filter(pk__in=pids).update(first_surname='<b id="injected">Ortega</b>')
    page = page_for(browser, live_server, world.user("case_officer"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/map/")
    status = page.locator("#fleet-status")
    page.wait_for_function(
        "document.getElementById('fleet-status').textContent.includes('participants')"
    )
    assert "12 participants" in status.inner_text() and "1 with an alert" in status.inner_text()
    assert "1 no signal" in status.inner_text()
    page.wait_for_selector(".fleet-cluster")  # the dense downtown group is one numbered dot
    assert int(page.locator(".fleet-cluster span").first.inner_text()) >= 2
    shot(page, "fleet-map.png")
    # It refreshes by itself (poll every second in tests): more than one JSON read, no reload.
    page.wait_for_timeout(2500)
    assert sum("/map.json" in u for u in requests) >= 2
    assert all(live_server.url not in u or "/map/" not in u for u in requests[1:])
    assert not any(u.startswith("http") and live_server.url not in u for u in requests)
    page.locator("path.leaflet-interactive").last.hover(force=True)
    tooltip = page.locator(".leaflet-tooltip").first
    tooltip.wait_for()
    assert '<b id="injected">Ortega</b>, Nadia' in tooltip.inner_text()
    assert page.locator("#injected").count() == 0
    # A click on a single dot opens that participant.
    page.locator("path.leaflet-interactive").last.click(force=True)
    page.wait_for_url("**/participants/*/")
    assert int(page.url.rstrip("/").rsplit("/", 1)[1]) in pids
    phone = page_for(browser, live_server, world.user("supervisor"), width=390)
    phone.goto(f"{live_server.url}/map/")
    phone.wait_for_selector(".fleet-cluster, path.leaflet-interactive")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    shot(phone, "fleet-map-phone.png")


def test_night_shift_selects_forty_alerts_and_acknowledges_them_at_once(
    browser: Any,  # noqa: F811
    live_server: Any,
    world: World,
) -> None:
    # 40 newly released people who all missed the first report deadline (one alert each).
    people = [
        participant_with_case(world.office_a, world.user("case_officer"), given=f"Eva{i}")[0]
        for i in range(40)
    ]
    alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind=AlertKind.REPORT_DEADLINE,
                occurred_at=clock.now() - timedelta(minutes=i),
                source="test",
                source_ref=f"night-{i}",
                participant_id=p.pk,
                title="First report deadline passed",
            )
            for i, p in enumerate(people)
        ],
    )
    pids = [p.pk for p in people]
    page = page_for(browser, live_server, world.user("case_officer"))
    page.goto(f"{live_server.url}/alerts/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-q"
    page.keyboard.type("perez")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=perez**")
    assert "America/Chicago" in page.locator("#shortcuts-help").inner_text()
    page.locator("#select-all").check()
    assert "40 alerts selected" in page.locator("#bulk-count").inner_text()
    page.locator("#bulk-note").fill("checked on the night shift")
    shot(page, "queue-bulk-selection.png")
    page.locator("#bulk-submit").click()
    page.wait_for_selector(".messages")
    assert "40 alert(s) acknowledged." in page.locator(".messages").inner_text()
    assert Alert.objects.filter(participant_id__in=pids, status="acknowledged").count() == 40
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    shot(page, "queue-phone.png")
