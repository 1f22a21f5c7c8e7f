"""The check-in page in Debian's Chromium, as a participant on an emulated Android phone."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from atd.alerts.models import Alert
from atd.checkins.models import Checkin
from atd.checkins.tests.support import plan_for
from atd.core import clock
from atd.testing.services import require_chromium
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
HOME = {"latitude": 41.8781, "longitude": -87.6298, "accuracy": 18}


@pytest.fixture
def playwright_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    path = require_chromium()
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield p, browser
        finally:
            browser.close()


def _phone(playwright_browser: Any, live_server: Any, user: Any, **options: Any) -> Any:
    """A logged-in participant on an emulated Android phone (session cookie from the test
    client, as staff MFA is not involved for participants)."""
    p, browser = playwright_browser
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = dict(p.devices["Pixel 7"])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device, **options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def _open_window(world: World) -> int:
    pid = world.participants["officer_a"].pk
    plan_for(pid, at=clock.now() - timedelta(days=7))
    return pid


def _check_in(page: Any, live_server: Any) -> str:
    page.goto(f"{live_server.url}/portal/checkin/")
    page.locator("#checkin-form button[type=submit]").click()
    receipt = page.locator("[data-receipt]")
    receipt.wait_for(timeout=20_000)
    return str(receipt.get_attribute("data-receipt"))


def test_granted_location_fix_gives_a_verified_checkin(
    world: World, live_server: Any, playwright_browser: Any
) -> None:
    pid = _open_window(world)
    context = _phone(
        playwright_browser,
        live_server,
        world.users["participant"],
        geolocation=HOME,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/checkin/")
    page.set_input_files(
        "#photo", files=[{"name": "me.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.locator("#checkin-form button[type=submit]").click()
    page.locator("[data-receipt]").wait_for(timeout=20_000)
    code = page.locator("[data-receipt]").get_attribute("data-receipt")
    c = Checkin.objects.get(participant_id=pid)
    assert c.receipt_code == code
    assert c.location_status == "verified"
    # The optional camera photo arrives scaled and re-encoded as JPEG.
    assert c.photo.content_type == "image/jpeg" and bytes(c.photo.data)[:2] == b"\xff\xd8"
    assert c.latitude == pytest.approx(HOME["latitude"])
    assert c.accuracy_m == pytest.approx(18)
    assert "Android" in c.user_agent
    assert c.window is not None
    context.close()


def test_location_denied_is_stored_unverified_with_a_follow_up(
    world: World, live_server: Any, playwright_browser: Any
) -> None:
    pid = _open_window(world)
    context = _phone(playwright_browser, live_server, world.users["participant"])
    page = context.new_page()
    # Deny explicitly, as a participant tapping "Block" would.
    cdp = context.new_cdp_session(page)
    cdp.send(
        "Browser.setPermission",
        {"permission": {"name": "geolocation"}, "setting": "denied", "origin": live_server.url},
    )
    code = _check_in(page, live_server)
    c = Checkin.objects.get(participant_id=pid)
    assert c.receipt_code == code
    assert (c.location_status, c.unverified_reason) == ("unverified", "denied")
    assert Alert.objects.filter(participant_id=pid, kind="location_unverified").count() == 1
    context.close()


def test_offline_then_online_sends_exactly_one_checkin_and_shows_a_receipt(
    world: World, live_server: Any, playwright_browser: Any
) -> None:
    pid = _open_window(world)
    context = _phone(
        playwright_browser,
        live_server,
        world.users["participant"],
        geolocation=HOME,
        permissions=["geolocation"],
        locale="en-US",
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/checkin/")
    # Installed PWA: once the service worker is active, the page itself opens offline.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.reload()
    assert page.locator("#checkin-form").is_visible()
    page.locator("#checkin-form button[type=submit]").click()
    page.locator("#checkin-pending").wait_for(state="visible", timeout=20_000)
    assert Checkin.objects.filter(participant_id=pid).count() == 0
    # Back online: the queue is sent (the "online" event), and a second flush finds nothing.
    context.set_offline(False)
    page.locator("[data-receipt]").wait_for(timeout=20_000)
    page.evaluate("window.atdCheckinFlush()")
    page.reload()
    page.evaluate("window.atdCheckinFlush()")
    assert Checkin.objects.filter(participant_id=pid).count() == 1
    c = Checkin.objects.get(participant_id=pid)
    assert c.location_status == "verified"
    context.close()


def test_the_checkin_page_in_spanish(
    world: World, live_server: Any, playwright_browser: Any
) -> None:
    _open_window(world)
    # The participant's preferred language is Spanish; the phone's locale does not matter.
    context = _phone(
        playwright_browser,
        live_server,
        world.users["participant"],
        geolocation=HOME,
        permissions=["geolocation"],
        locale="en-US",
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/checkin/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("#checkin-form button[type=submit]").inner_text() == "Enviar mi registro"
    page.locator("#checkin-form button[type=submit]").click()
    page.locator("[data-receipt]").wait_for(timeout=20_000)
    assert "Registro recibido." in page.locator("#checkin-receipt").inner_text()
    # Switch to English and back.
    page.select_option("#lang-select", "en")
    page.locator(".lang button").click()
    page.wait_for_load_state()
    assert page.locator("#checkin-form button[type=submit]").inner_text() == "Send my check-in"
    context.close()


def test_server_error_records_an_attempt_with_a_receipt_then_the_checkin_goes_through(
    world: World, live_server: Any, playwright_browser: Any
) -> None:
    pid = _open_window(world)
    context = _phone(
        playwright_browser,
        live_server,
        world.users["participant"],
        geolocation=HOME,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/checkin/")
    # The server fails once: the page keeps the check-in and records the attempt.
    page.route(
        "**/api/checkins/remote",
        lambda route: route.fulfill(status=503, body="unavailable"),
    )
    page.locator("#checkin-form button[type=submit]").click()
    page.locator("[data-receipt]").wait_for(timeout=20_000)
    attempt = Checkin.objects.get(participant_id=pid)
    assert attempt.status == "attempted" and attempt.attempt_reason == "server_error"
    assert attempt.window is not None
    # The server recovers: the queued check-in is sent, and the window counts as checked in.
    page.unroute("**/api/checkins/remote")
    page.evaluate("window.atdCheckinFlush()")
    page.wait_for_function(
        "document.querySelector('#checkin-pending') && document.querySelector('#checkin-pending').hidden"
    )
    done = Checkin.objects.filter(participant_id=pid, status="completed")
    assert done.count() == 1
    assert done.get().window_id == attempt.window_id
    attempt.window.refresh_from_db()
    assert attempt.window.status == "completed"
    context.close()
