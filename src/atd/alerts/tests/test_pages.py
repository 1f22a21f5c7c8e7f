"""Console pages of alerts: queue, live rows fragment, detail with actions, preferences."""

from __future__ import annotations

from typing import Any

import pytest

from atd.alerts.models import Alert
from atd.alerts.tests.test_lifecycle import raise_alert
from atd.testing.world import World


@pytest.mark.django_db
def test_queue_lists_the_alert_with_its_sla_timer(world: World, client_for: Any) -> None:
    alert = raise_alert(world)
    page = client_for("case_officer").get("/alerts/").content.decode()
    assert f'data-alert-id="{alert.pk}"' in page
    assert "data-due=" in page
    assert "left" in page
    rows = client_for("case_officer").get("/alerts/rows/").content.decode()
    assert f'data-alert-id="{alert.pk}"' in rows
    assert "<html" not in rows


@pytest.mark.django_db
def test_officer_resolves_from_the_alert_page(world: World, client_for: Any) -> None:
    alert = raise_alert(world)
    client = client_for("case_officer")
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'id="disposition"' in page
    response = client.post(
        f"/alerts/{alert.pk}/resolve/", {"disposition": "false_alarm", "note": "drift"}
    )
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == "resolved"


@pytest.mark.django_db
def test_a_refused_resolve_says_why_and_changes_nothing(world: World, client_for: Any) -> None:
    alert = raise_alert(world)
    client = client_for("case_officer")
    response = client.post(
        f"/alerts/{alert.pk}/resolve/", {"disposition": "", "note": ""}, follow=True
    )
    assert "disposition is required" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "open"


@pytest.mark.django_db
def test_officer_saves_alert_preferences(world: World, client_for: Any) -> None:
    client = client_for("case_officer")
    response = client.post(
        "/alerts/preferences/",
        {
            "weekday": ["0", "1"],
            "start": "08:00",
            "end": "18:00",
            "timezone": "UTC",
            "severity": ["critical"],
            "channel": ["in_app", "email"],
        },
    )
    assert response.status_code == 302
    page = client.get("/alerts/preferences/").content.decode()
    assert 'value="08:00"' in page
