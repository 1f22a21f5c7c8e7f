"""The alerts API: the queue's filters, the live stamp, the timeline source, preferences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from atd.alerts.selectors import alert_timeline_items
from atd.alerts.tests.test_lifecycle import raise_alert
from atd.core import clock
from atd.core.scope import Scope
from atd.testing.world import World


@pytest.mark.django_db
def test_queue_filters_by_severity_and_breached_sla(world: World, client_for: Any) -> None:
    critical = raise_alert(world, "strap_tamper")
    raise_alert(world, "battery_low")
    client = client_for("case_officer")
    body = client.get("/api/alerts/?severity=critical").json()
    assert [a["id"] for a in body["items"]] == [critical.pk]
    assert client.get("/api/alerts/?sla_breached=true").json()["count"] == 0
    with clock.frozen_at(clock.now() + timedelta(minutes=20)):
        breached = client.get("/api/alerts/?sla_breached=true").json()
    assert [a["id"] for a in breached["items"]] == [critical.pk]


@pytest.mark.django_db
def test_officer_queue_holds_only_their_caseload(world: World, client_for: Any) -> None:
    mine = raise_alert(world)
    raise_alert(world, who="office_b")
    raise_alert(world, who="specialist_a")
    ids = [a["id"] for a in client_for("case_officer").get("/api/alerts/").json()["items"]]
    assert ids == [mine.pk]
    assert client_for("supervisor").get("/api/alerts/").json()["count"] == 2
    assert client_for("auditor").get("/api/alerts/").status_code == 403


@pytest.mark.django_db
def test_stamp_changes_when_an_alert_is_raised_or_acknowledged(
    world: World, client_for: Any
) -> None:
    client = client_for("case_officer")
    before = client.get("/api/alerts/stamp").json()["stamp"]
    alert = raise_alert(world)
    raised = client.get("/api/alerts/stamp").json()
    assert raised["stamp"] != before
    assert raised["counts"]["critical"]["open"] == 1
    client.post(
        f"/api/alerts/{alert.pk}/acknowledge", {"note": ""}, content_type="application/json"
    )
    assert client.get("/api/alerts/stamp").json()["stamp"] != raised["stamp"]


@pytest.mark.django_db
def test_resolve_without_disposition_answers_problem_json(world: World, client_for: Any) -> None:
    alert = raise_alert(world)
    response = client_for("case_officer").post(
        f"/api/alerts/{alert.pk}/resolve", {"note": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_timeline_shows_raise_acknowledge_and_resolve(world: World, client_for: Any) -> None:
    alert = raise_alert(world)
    client = client_for("case_officer")
    client.post(
        f"/api/alerts/{alert.pk}/resolve",
        {"disposition": "contacted_compliant", "note": "called"},
        content_type="application/json",
    )
    scope = Scope.for_user(world.users["case_officer"])
    items = alert_timeline_items(
        scope, world.participants["officer_a"].pk, clock.now() - timedelta(days=1)
    )
    titles = [i.title for i in items]
    assert any(t.startswith("Alert raised") for t in titles)
    assert any(t.startswith("Alert resolved") for t in titles)
    resolved = next(i for i in items if i.title.startswith("Alert resolved"))
    assert "Participant contacted and in compliance" in resolved.detail


@pytest.mark.django_db
def test_preferences_round_trip_and_sms_needs_a_phone(world: World, client_for: Any) -> None:
    client = client_for("case_officer")
    bad = client.put(
        "/api/alerts/me/preferences", {"channels": ["sms"]}, content_type="application/json"
    )
    assert bad.status_code == 422
    ok = client.put(
        "/api/alerts/me/preferences",
        {"channels": ["email"], "page_severities": ["critical"], "on_call_weekdays": [0, 1]},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert client.get("/api/alerts/me/preferences").json()["channels"] == ["email"]


@pytest.mark.django_db
def test_supervisor_sets_own_office_on_call_list_only(world: World, client_for: Any) -> None:
    client = client_for("supervisor")
    ok = client.put(
        "/api/alerts/on-call",
        {"office_id": world.office_a.pk, "user_ids": [world.users["case_officer"].pk]},
        content_type="application/json",
    )
    assert ok.status_code == 200
    other = client.put(
        "/api/alerts/on-call",
        {"office_id": world.office_b.pk, "user_ids": [world.users["officer_b"].pk]},
        content_type="application/json",
    )
    assert other.status_code == 422
