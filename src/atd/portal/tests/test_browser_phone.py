"""Every portal page on a 360 px phone in Spanish: fully translated, no sideways scrolling."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from atd.core import clock
from atd.core.scope import Scope
from atd.portal.tests.test_browser import _open_window, playwright_browser  # noqa: F401
from atd.reviews.models import ReviewRequest
from atd.scheduling import services as scheduling
from atd.testing.reviews import denied_review
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[4] / "docs" / "screenshots"
PHONE = {"width": 360, "height": 780}
# English that used to leak into the Spanish portal (issue 18): none of it may appear.
ENGLISH = (
    "Your office appointments",
    "Review of my monitoring",
    "Request a review",
    ": Active",
    "Waiting for a decision",
    "Denied",
    "Send my request",
    "Decision on your request",
)


def _phone_es(playwright_browser: Any, live_server: Any, user: Any | None) -> Any:  # noqa: F811
    p, browser = playwright_browser
    device = dict(p.devices["Pixel 7"])
    device.pop("default_browser_type", None)
    device["viewport"] = PHONE
    device["screen"] = PHONE
    context = browser.new_context(**device, locale="es-MX")
    if user is not None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


def _fits(page: Any) -> None:
    """No horizontal scrolling: nothing is wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert inner == PHONE["width"]
    assert width <= inner, f"{page.url} is {width} px wide on a {inner} px phone"


def _no_english(page: Any) -> None:
    text = page.locator("body").inner_text()
    leaks = [s for s in ENGLISH if s in text]
    assert not leaks, f"{page.url} shows English: {leaks}"


def _weekday_ahead(days: int) -> date:
    day = clock.now().date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_every_portal_page_fits_a_360px_phone_in_spanish(
    world: World,
    live_server: Any,
    playwright_browser: Any,  # noqa: F811
) -> None:
    _open_window(world)
    officer = world.user("case_officer")
    scheduling.appointment_book(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=world.participants["officer_a"].pk,
        day=_weekday_ahead(10),
        reason="check-in",
    )
    review = denied_review(world, reason_text="Dos registros no realizados en abril.")
    context = _phone_es(playwright_browser, live_server, world.users["participant"])
    page = context.new_page()

    page.goto(f"{live_server.url}/portal/")
    body = page.locator("body").inner_text()
    for spanish in (
        "Sus citas en la oficina",
        "Revisión de mi monitoreo",
        "Pedir una revisión",
        "Estado del caso: Activo",
        "Negada",
        "Apelar ante un supervisor",
        "Cancelar esta cita",
    ):
        assert spanish in body, spanish
    _no_english(page)
    _fits(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "portal-es-phone.png"), full_page=True)

    page.goto(f"{live_server.url}/portal/checkin/")
    assert "Enviar mi registro" in page.locator("body").inner_text()
    _no_english(page)
    _fits(page)

    page.goto(f"{live_server.url}/reviews/{review.pk}/letter/")
    letter = page.locator("article").inner_text()
    assert "Decisión sobre su solicitud de revisión del monitoreo" in letter
    assert "monitor GPS de tobillo" in letter
    _no_english(page)
    _fits(page)

    page.goto(f"{live_server.url}/reviews/request/")
    assert page.locator("h1").inner_text() == "Solicitar una revisión de mi monitoreo"
    _no_english(page)
    _fits(page)
    page.fill("#statement", "Cumplo con todo desde hace seis meses.")
    page.locator("form button[type=submit].big").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    assert "Recibimos su solicitud" in page.locator(".messages").inner_text()
    _fits(page)
    assert ReviewRequest.objects.filter(status="pending").count() == 1
    context.close()

    # The enrollment page, before any sign-in: the phone's own language decides.
    anonymous = _phone_es(playwright_browser, live_server, None)
    page = anonymous.new_page()
    page.goto(f"{live_server.url}/portal/enroll/")
    assert page.locator("h1").inner_text() == "Cree su cuenta"
    _fits(page)
    anonymous.close()
