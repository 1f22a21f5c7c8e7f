"""A laptop with no location fix (the case the source reports complain about): the check-in is
still stored, as location unverified, and the participant is told plainly what to do next."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from atd.checkins.models import Checkin
from atd.portal.tests.test_browser import _open_window, playwright_browser  # noqa: F401
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_laptop_without_a_fix_is_stored_unverified_and_told_what_to_do(
    world: World,
    live_server: Any,
    playwright_browser: Any,  # noqa: F811
) -> None:
    pid = _open_window(world)
    _, browser = playwright_browser
    client = Client()
    client.force_login(
        world.users["participant"], backend="django.contrib.auth.backends.ModelBackend"
    )
    # A desktop browser in Spanish, location allowed but the machine has no fix to give.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="es-ES",
        permissions=["geolocation"],
        extra_http_headers={"Accept-Language": "es"},
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setGeolocationOverride", {})  # no position: "position unavailable"
    page.goto(f"{live_server.url}/portal/checkin/")
    page.locator("#checkin-form button[type=submit]").click()
    receipt = page.locator("[data-receipt]")
    receipt.wait_for(timeout=30_000)
    c = Checkin.objects.get(participant_id=pid)
    assert c.location_status == "unverified" and c.unverified_reason in {"unavailable", "timeout"}
    text = page.locator("[data-receipt]").locator("xpath=..").inner_text()
    assert c.receipt_code in text
    # Told plainly, in Spanish, what to do next time.
    assert "La próxima vez, regístrese desde su teléfono" in text
    page.screenshot(path="/tmp/shots-phone/portal-laptop-no-fix.png", full_page=True)
    context.close()
