"""Chromium shows a participant's message history with its delivery states (queued, sent,
delivered, failed) on the participant page, at desktop and phone width."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from atd.alerts.channels import channels_override
from atd.alerts.channels.sms import SmsChannel
from atd.alerts.channels.sms.http import SmsRejected
from atd.alerts.models import DeliveryAttempt
from atd.alerts.services import notification_enqueue
from atd.alerts.services.delivery import notification_deliver_due
from atd.alerts.services.sms_replies import sms_status_record
from atd.core import clock
from atd.testing.services import require_chromium
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / os.environ.get("ATD_SCREENSHOT_DIR", "test-artifacts/screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class Gateway:
    """Refuses the message whose text names "refuse", takes the others."""

    def __init__(self) -> None:
        self.count = 0

    def send_sms(self, to: str, text: str) -> str:
        if "refuse" in text:
            raise SmsRejected("HTTP 400: the carrier blocked this number")
        self.count += 1
        return f"SMbrowser{self.count}"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    path = require_chromium()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _history(world: World) -> int:
    pid = world.participants["officer_a"].pk

    def queue(key: str, subject: str, **kw: Any) -> None:
        notification_enqueue(
            kind="hearing_reminder",
            subject=subject,
            body="Audiencia el 2026-06-11 10:00 MDT.",
            dedupe_key=key,
            participant_id=pid,
            language="es",
            **kw,
        )

    queue("delivered", "Recordatorio de audiencia")
    queue("sent", "Su periodo de registro está abierto")
    queue("failed", "Aviso refuse")
    with channels_override(sms=SmsChannel(Gateway())):
        notification_deliver_due()
    ref = DeliveryAttempt.objects.get(notification__dedupe_key="delivered").provider_ref
    sms_status_record(provider_ref=ref, status="delivered")
    queue("queued", "Recordatorio de cita", send_after=clock.now() + timedelta(hours=3))
    return pid


@pytest.mark.parametrize("width", [1280, 375])
def test_the_officer_sees_each_message_and_its_delivery_state(
    world: World, browser: Any, live_server: Any, width: int
) -> None:
    pid = _history(world)
    client = Client()
    client.force_login(
        world.user("case_officer"), backend="django.contrib.auth.backends.ModelBackend"
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/participants/{pid}/#messages")
    table = page.locator("#messages table.message-history")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 4
    states = {
        rows.nth(i).locator("td").nth(1).inner_text(): rows.nth(i)
        .locator(".delivery-state")
        .get_attribute("data-state")
        for i in range(4)
    }
    assert states == {
        "Recordatorio de audiencia": "delivered",
        "Su periodo de registro está abierto": "sent",
        "Aviso refuse": "failed",
        "Recordatorio de cita": "queued",
    }
    assert "the carrier blocked this number" in table.inner_text()
    page.locator("#messages").scroll_into_view_if_needed()
    # The history fits the screen: its section is no wider than the viewport, and a wide table
    # scrolls inside its own box. (Other panels of the participant page are not this test's.)
    box = page.locator("#messages").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    scroller = page.locator("#messages .table-scroll").bounding_box()
    assert scroller is not None and scroller["x"] + scroller["width"] <= width + 1, scroller
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#messages").screenshot(path=str(SHOTS / f"participant-messages-{width}.png"))
    context.close()
