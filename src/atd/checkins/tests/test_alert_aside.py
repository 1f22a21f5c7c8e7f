"""Beside an alert's evidence, checkins shows the participant's located check-ins of the last
14 days (registered in core's alert_asides: alerts does not import checkins)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from atd.alerts.tests.test_lifecycle import raise_alert
from atd.checkins.models import Checkin
from atd.core import clock
from atd.core.models import AuditEntry
from atd.testing.world import World


def located_checkin(participant_id: int, days_ago: int, status: str, lat: float) -> Checkin:
    at = clock.now() - timedelta(days=days_ago)
    return Checkin.objects.create(
        participant_id=participant_id,
        kind="remote",
        status="completed",
        idempotency_key=uuid.uuid4().hex,
        receipt_code=f"CK-{uuid.uuid4().hex[:8].upper()}",
        captured_at=at,
        received_at=at,
        location_status=status,
        latitude=lat,
        longitude=-87.5,
        accuracy_m=10,
        fix_at=at,
    )


@pytest.mark.django_db
def test_the_alert_page_lists_recent_located_checkins_with_their_time_and_verdict(
    world: World, client_for: Any
) -> None:
    pid = world.participants["officer_a"].pk
    recent = located_checkin(pid, 1, "unverified", 41.123456)
    located_checkin(pid, 20, "verified", 41.654321)  # older than 14 days: not shown
    alert = raise_alert(world)

    page = client_for("case_officer").get(f"/alerts/{alert.pk}/").content.decode()

    section = page[page.index("<h3>Recent check-ins</h3>") :]
    section = section[: section.index("</ul>")]
    # In the viewer's zone (the officer's office by default).
    zone = ZoneInfo(world.office_a.timezone)
    assert recent.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") in section
    assert "41.123456" in section and "location unverified" in section
    assert "41.654321" not in section
    assert AuditEntry.objects.filter(action="checkin.list", object_ids=str(pid)).exists()


@pytest.mark.django_db
def test_an_office_alert_has_no_checkin_section(world: World, client_for: Any) -> None:
    from atd.alerts.models import Alert

    alert = raise_alert(world)
    Alert.objects.filter(pk=alert.pk).update(participant=None, case=None)
    page = client_for("admin").get(f"/alerts/{alert.pk}/").content.decode()
    assert "Recent check-ins" not in page
