"""The OsmAnd protocol endpoint, as Traccar Client and many trackers speak it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from atd.core import clock
from atd.telemetry.models import Position
from atd.telemetry.tests.conftest import Tracked

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(NOW):
        yield


def params(t: Tracked, **extra: Any) -> dict[str, Any]:
    return {
        "id": t.serial,
        "key": t.secret,
        "lat": "41.88",
        "lon": "-87.63",
        "timestamp": str(int(NOW.timestamp()) - 30),
        "speed": "2",
        "bearing": "90",
        "altitude": "180",
        "accuracy": "12",
        "batt": "77",
        "hdop": "0.8",
        **extra,
    }


def test_get_with_query_parameters_stores_a_position(tracked: Tracked) -> None:
    response = Client().get("/api/telemetry/osmand", params(tracked))
    assert response.status_code == 200 and response.content == b"OK"
    p = Position.objects.get()
    assert p.battery == 77 and p.attributes == {"hdop": "0.8"}
    assert p.speed_mps is not None and abs(p.speed_mps - 1.028888) < 1e-3  # 2 knots


def test_form_post_is_accepted_and_a_resend_changes_nothing(tracked: Tracked) -> None:
    client = Client()
    for _ in range(2):
        assert client.post("/api/telemetry/osmand", params(tracked)).status_code == 200
    assert Position.objects.count() == 1


def test_traccar_client_json_body_is_accepted(tracked: Tracked) -> None:
    body = {
        "device_id": tracked.serial,
        "location": {
            "timestamp": "2026-06-01T14:59:00Z",
            "coords": {"latitude": 41.88, "longitude": -87.63, "accuracy": 9},
            "battery": {"level": 0.5, "is_charging": False},
        },
    }
    response = Client().post(
        f"/api/telemetry/osmand?key={tracked.secret}",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Position.objects.get().battery == 50


def test_wrong_key_answers_401(tracked: Tracked) -> None:
    response = Client().get("/api/telemetry/osmand", params(tracked, key="nope"))
    assert response.status_code == 401


def test_bad_coordinates_answer_400_with_the_reason(tracked: Tracked) -> None:
    response = Client().get("/api/telemetry/osmand", params(tracked, lat="123"))
    assert response.status_code == 400
    assert "bad_coordinates" in response.json()["detail"]


def test_participant_panel_shows_device_health_and_last_position(
    world: Any, tracked: Tracked
) -> None:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from atd.core.scope import Scope
    from atd.telemetry.panels import participant_panel_context

    Client().get("/api/telemetry/osmand", params(tracked))
    officer = world.user("case_officer")
    request = RequestFactory().get("/")
    request.user = officer
    ctx = participant_panel_context(request, Scope.for_user(officer), tracked.participant_id)
    assert ctx is not None and ctx["devices"][0]["battery"] == 77
    html = render_to_string("telemetry/participant_panel.html", {"ctx": ctx})
    assert tracked.serial in html and "41.88000" in html
    outsider = world.user("officer_b")
    assert (
        participant_panel_context(request, Scope.for_user(outsider), tracked.participant_id) is None
    )


def test_device_events_join_the_participant_timeline_in_scope_only(
    world: Any, tracked: Tracked
) -> None:
    from atd.core.scope import Scope
    from atd.telemetry.panels import participant_timeline_items

    Client().get("/api/telemetry/osmand", params(tracked, alarm="tampering"))
    officer = Scope.for_user(world.user("case_officer"))
    [item] = participant_timeline_items(officer, tracked.participant_id, None)
    assert item.kind == "device_event" and "Strap" in item.title
    outsider = Scope.for_user(world.user("officer_b"))
    assert participant_timeline_items(outsider, tracked.participant_id, None) == []
