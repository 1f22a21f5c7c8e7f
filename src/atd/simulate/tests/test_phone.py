"""The demo's tracked phone: enrolled like an officer does it, then reporting over real HTTP as
Traccar Client does (OsmAnd GET), and the console's device health shows what it sent."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import override_settings

from atd.devices.models import Device
from atd.simulate.phone import (
    PhoneWalk,
    demo_phone_enrol,
    demo_phone_load,
    phone_report_send,
    traccar_client_query,
)
from atd.telemetry.models import DeviceState, Position


def test_the_query_is_traccar_clients_and_charge_is_sent_only_while_charging() -> None:
    at = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    common: dict[str, Any] = {
        "identifier": "ph-x",
        "at": at,
        "lat": 29.76,
        "lon": -95.37,
        "accuracy_m": 8.0,
    }
    query = traccar_client_query(**common, battery_pct=55, charging=False, moving=True)
    assert list(query)[:9] == [
        "id", "timestamp", "lat", "lon", "speed", "bearing", "altitude", "accuracy", "batt",
    ]  # fmt: skip
    assert "charge" not in query and query["motion"] == "true"
    assert traccar_client_query(**common, battery_pct=55, charging=True)["charge"] == "true"


def test_the_walk_stays_near_home_and_charges_at_night() -> None:
    walk = PhoneWalk(home=(29.76, -95.37), rng=random.Random(1))
    for hour in range(24):
        step = walk.step(datetime(2026, 6, 1, hour, 0, tzinfo=UTC), 600)
        assert abs(step["lat"] - 29.76) < 0.05 and abs(step["lon"] + 95.37) < 0.05
        assert 0 <= step["battery_pct"] <= 100
    assert walk.step(datetime(2026, 6, 1, 23, 0, tzinfo=UTC), 60)["charging"] is True


def test_a_bad_tracker_url_is_refused_and_an_unreachable_one_answers_0() -> None:
    with pytest.raises(ValueError):
        phone_report_send("file:///etc/passwd", {})
    assert phone_report_send("http://127.0.0.1:9/osmand", {}, timeout_s=1) == 0


@pytest.mark.django_db(transaction=True)
def test_the_demo_enrols_a_phone_that_reports_over_http(
    world: Any, live_server: Any, tmp_path: Any
) -> None:
    with override_settings(VAR_DIR=tmp_path):
        phone = demo_phone_enrol(sorted(p.pk for p in world.participants.values()))
        assert phone is not None and demo_phone_load() == phone
    device = Device.objects.get(pk=phone.device_id)
    assert device.kind == "smartphone" and device.credential_mode == "identifier"
    assert device.participant_id == phone.participant_id
    now = datetime.now(UTC)
    walk = PhoneWalk(home=phone.home, rng=random.Random(2))
    query = traccar_client_query(identifier=phone.identifier, at=now, **walk.step(now, 20))
    status = phone_report_send(f"{live_server.url}/api/telemetry/osmand", query)
    assert status == 200
    assert Position.objects.filter(device_id=phone.device_id).count() == 1
    state = DeviceState.objects.get(device_id=phone.device_id)
    assert state.battery == query_battery(query) and state.accuracy_m is not None
    assert state.moving is not None


def query_battery(query: dict[str, str]) -> int:
    return round(float(query["batt"]))
