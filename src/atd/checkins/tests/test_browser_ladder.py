"""The graduated response on the officer's participant page, in Chromium at desktop and phone
width: the current step, the misses that counted and those that did not (and why), and the
officer marking a miss technical."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from atd.checkins.ladder_models import LadderMiss
from atd.checkins.models import CheckinWindow
from atd.checkins.services import windows_close_due
from atd.checkins.tests.support import plan_for
from atd.console.tests.test_browser import SHOTS, browser, page_for  # noqa: F401 (fixture)
from atd.core import clock
from atd.core.models import AuditEntry
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.telemetry.services import no_signal_scan
from atd.telemetry.tests.conftest import HOME, make_tracked
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRATCH = Path("/tmp/shots-ladder")


def _shot(page: Any, name: str) -> None:
    """The ladder panel alone (the whole participant page is several screens long)."""
    panel = page.locator("#ladder")
    for where in (SHOTS, SCRATCH):
        where.mkdir(parents=True, exist_ok=True)
        panel.screenshot(path=str(where / name))


def _history(world: World) -> int:
    """A phone participant with two missed check-ins (the call rung) and a flat-battery
    silence (likely technical), all within the last weeks."""
    t = make_tracked(world, kind="smartphone")
    pid = t.participant_id
    now = clock.now()
    plan_for(pid, technology="smartphone", at=now - timedelta(days=20))
    for w in CheckinWindow.objects.filter(participant_id=pid, closes_at__lte=now).order_by(
        "due_date"
    )[:2]:
        with clock.frozen_at(w.closes_at + timedelta(minutes=1)):
            windows_close_due()
    flat = now - timedelta(hours=8)
    record = {"time": flat.isoformat(), "lat": HOME[0], "lon": HOME[1], "battery": 7}
    with clock.frozen_at(flat):
        pipeline_run(submissions=[Submission([record], t.serial, t.secret)], via="http")
    with clock.frozen_at(now):
        no_signal_scan(now=now)
    return pid


def test_ladder_panel_shows_the_step_and_the_officer_marks_a_miss_technical(
    browser: Any,  # noqa: F811
    live_server: Any,
    world: World,
) -> None:
    pid = _history(world)
    counted = LadderMiss.objects.filter(participant_id=pid, status="counted").count()
    assert counted == 2
    page = page_for(browser, live_server, world.users["case_officer"])
    page.goto(f"{live_server.url}/participants/{pid}/#ladder")
    panel = page.locator("#ladder")
    assert "Current step: Officer call" in panel.inner_text()
    assert page.locator("#ladder .ladder-counted > li").count() == 2
    not_counted = page.locator("#ladder .ladder-not-counted").inner_text()
    assert "Likely technical" in not_counted and "low battery" in not_counted
    assert "Call the participant" in panel.inner_text()  # the open call task
    _shot(page, "ladder-desktop.png")

    # The officer marks the newest counted miss technical: the step drops to the reminder.
    form = page.locator("#ladder .ladder-counted form").first
    form.locator("input[name=note]").fill("Office closed that day; participant called in")
    form.locator("button").click()
    page.wait_for_selector("text=Marked technical")
    assert "Current step: Reminder to the participant" in page.locator("#ladder").inner_text()
    assert "marked by the officer" in page.locator("#ladder .ladder-not-counted").inner_text()
    assert AuditEntry.objects.filter(action="checkin_ladder.mark_technical").count() == 1

    phone = page_for(browser, live_server, world.users["case_officer"], width=375)
    phone.goto(f"{live_server.url}/participants/{pid}/#ladder")
    assert "Current step: Reminder to the participant" in phone.locator("#ladder").inner_text()
    _shot(phone, "ladder-phone.png")
    # The ladder panel fits the phone (the page's other panels are theirs to fit: at 375 px
    # the alerts table still overflows, outside this panel).
    wide = phone.evaluate(
        """() => [...document.querySelectorAll('#ladder, #ladder *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className)"""
    )
    assert wide == [], f"the ladder panel is wider than a phone: {wide}"
