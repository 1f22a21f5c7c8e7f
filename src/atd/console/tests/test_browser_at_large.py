"""Real-browser tests (Playwright, Debian's Chromium) of the at-large workflow: an officer
confirms a proposal, opens the locate package and its PDF, refers the case and records the
outcome, and reopens a closed case. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import math
import shutil
import subprocess
from datetime import timedelta
from typing import Any

import pytest

from atd.alerts.models import Alert
from atd.console.at_large import at_large_evaluate
from atd.console.tests.test_browser import SHOTS, browser, page_for, shot  # noqa: F401
from atd.core import clock
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.court import services as court
from atd.people.models import Case
from atd.telemetry.models import DeviceState
from atd.telemetry.services import telemetry_ingest
from atd.telemetry.tests.conftest import make_tracked
from atd.testing.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _proposed(world: World) -> int:
    """officer_a missed a hearing five days ago and has not been heard from: proposed."""
    admin, scope = world.user("admin"), Scope.for_user(world.user("admin"))
    now = clock.now()
    case = world.cases["officer_a"]
    case.opened_at = now - timedelta(days=60)
    case.save(update_fields=["opened_at"])
    hearing = court.hearing_schedule(
        actor=admin,
        scope=scope,
        case_id=case.pk,
        scheduled_at=now - timedelta(days=5),
        court_name="Immigration Court (synthetic)",
        hearing_type="master",
    )
    court.hearing_outcome_record(
        actor=admin, scope=scope, hearing_id=hearing.pk, outcome="failed_to_appear"
    )
    at_large_evaluate(now=now)
    return Alert.objects.get(kind="at_large_proposed").pk


def _track(world: World) -> None:
    """Two and a half weeks of a device's fixes, mostly around two places (home and work)."""
    tracked = make_tracked(world)
    now = clock.now()
    points = []
    for day in range(25, 7, -1):  # ends a week ago, before the missed hearing
        for i, (lat, lon) in enumerate(((41.8781, -87.6298), (41.8902, -87.6101))):
            points.append(
                {
                    "seq": day * 10 + i,
                    "lat": lat + 0.0001 * math.sin(day),
                    "lon": lon,
                    "time": (now - timedelta(days=day, hours=4 * i)).isoformat(),
                }
            )
    stored = telemetry_ingest(
        actor=None, records=points, via="http", serial=tracked.serial, secret=tracked.secret
    )
    assert stored.accepted == len(points), stored.rejected
    # The batch arrived late (a week's old fixes uploaded together): the device was last
    # heard from when its newest fix was taken, not when the test sent it.
    DeviceState.objects.filter(device_id=tracked.device_id).update(
        last_contact_at=now - timedelta(days=8)
    )


def test_confirm_locate_refer_and_reopen(
    browser: Any,  # noqa: F811 -- the fixture imported above
    live_server: Any,
    world: World,
    tmp_path: Any,
) -> None:
    _track(world)
    _proposed(world)
    officer = world.user("case_officer")
    pid = world.participants["officer_a"].pk
    case = world.cases["officer_a"]
    page = page_for(browser, live_server, officer)

    # 1. The proposal on the participant page; the officer confirms it with a reason.
    page.goto(f"{live_server.url}/participants/{pid}/")
    panel = page.locator("#at-large")
    assert "hearing_missed" in panel.inner_text()
    shot(page, "at_large_proposal.png")
    panel.get_by_label("Reason for confirming at large").fill("No answer at home or by phone")
    panel.get_by_role("button", name="Confirm at large").click()
    page.wait_for_selector("text=The case is now at large.")
    assert Case.objects.get(pk=case.pk).status == "at_large"

    # 2. The locate package: a reason, then the screen, then the PDF.
    page.get_by_role("link", name="Open the locate package").click()
    page.get_by_label("Reason for opening the package").fill("Field visit planned for today")
    page.get_by_role("button", name="Open the package").click()
    page.wait_for_selector("h1:has-text('Locate package')")
    body = (
        page.locator("main").inner_text()
        if page.locator("main").count()
        else page.inner_text("body")
    )
    assert "12 Main St" in body and "+1 312 555 0100" in body
    assert "Immigration Court" not in body or "none" in body  # the missed hearing has an outcome
    places = page.locator("section[aria-labelledby='pl-h'] tbody tr")
    assert places.count() == 2
    shot(page, "locate_package.png")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = tmp_path / "locate.pdf"
    download.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(SHOTS / "locate_pdf"),
            ],
            check=True,
        )
    reads = AuditEntry.objects.filter(action="locate_package.read", actor_id=officer.pk)
    assert reads.count() == 2 and all("Field visit" in e.reason for e in reads)

    # 3. Refer, record an attempt, record the outcome: located, supervision resumed.
    page.goto(f"{live_server.url}/participants/{pid}/")
    panel = page.locator("#at-large")
    panel.get_by_label("Taken by (field team or person)").fill("Field team North")
    panel.get_by_role("button", name="Refer to the field team").click()
    page.wait_for_selector("text=Referred to the field team.")
    panel = page.locator("#at-large")
    panel.get_by_label("Attempt note").fill("Visited the home address; neighbour says at work")
    panel.get_by_role("button", name="Record attempt").click()
    page.wait_for_selector("text=Attempt recorded.")
    panel = page.locator("#at-large")
    panel.locator("select[name=outcome]").select_option("located_resumed")
    panel.get_by_label("Outcome note").fill("Met at work, new appointment given")
    panel.get_by_role("button", name="Record outcome").click()
    page.wait_for_selector("text=Outcome recorded.")
    assert "Located, supervision resumed" in page.locator(".referral-outcome").inner_text()
    assert Case.objects.get(pk=case.pk).status == "active"
    shot(page, "at_large_outcome.png")

    # 4. Closed (departed), then reopened: the departure did not happen.
    page.locator("select[name=to_status]").first.select_option("closed")
    page.locator("select[name=closure_reason]").first.select_option("voluntarily_departed")
    page.locator("form[action$='/status/'] input[name=reason]").first.fill("Departure reported")
    page.locator("form[action$='/status/'] button").first.click()
    page.wait_for_selector("text=Case status changed.")
    page.locator("#at-large select[name=reopen_reason]").select_option("departure_did_not_happen")
    page.get_by_label("Reopening note").fill("Seen at the office on Monday")
    page.get_by_role("button", name="Reopen the case").click()
    page.wait_for_selector("text=Case reopened.")
    case.refresh_from_db()
    assert case.status == "active"
    assert "reopened: The departure did not happen" in page.inner_text("body")
    shot(page, "case_reopened.png")

    # The panel on a phone: no sideways scroll.
    phone = page_for(browser, live_server, officer, width=375)
    phone.goto(f"{live_server.url}/participants/{pid}/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    shot(phone, "at_large_phone.png")
    wide = phone.evaluate(
        """[...document.querySelectorAll('#at-large *')].filter(e => e.getBoundingClientRect()
        .right > 380).map(e => e.tagName + '.' + e.className + ':' +
        Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""
    )
    assert not wide, (width, wide)
