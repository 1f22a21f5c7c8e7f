"""Devices' pages read a device's health as a typed `DeviceHealth` that telemetry measured
(telemetry registers its reader with devices at start-up: devices may not import it)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from atd.core import clock
from atd.devices.selectors import device_health
from atd.devices.types import DeviceHealth
from atd.telemetry.services import telemetry_ingest
from atd.telemetry.tests.conftest import HOME, Tracked

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_devices_read_the_health_telemetry_measured_as_a_typed_value(tracked: Tracked) -> None:
    assert device_health([tracked.device_id]) == {}  # never reported: nothing known
    fix = NOW - timedelta(minutes=2)
    records = [
        {"seq": 1, "time": fix.isoformat(), "lat": HOME[0], "lon": HOME[1], "battery": 14},
        {"event": "strap_open", "time": (NOW - timedelta(minutes=1)).isoformat()},
    ]
    with clock.frozen_at(NOW):
        telemetry_ingest(
            actor=None, records=records, via="http", serial=tracked.serial, secret=tracked.secret
        )

    health = device_health([tracked.device_id, 10**12])

    assert list(health) == [tracked.device_id]
    h = health[tracked.device_id]
    assert isinstance(h, DeviceHealth)
    assert (h.device_id, h.battery, h.strap_open) == (tracked.device_id, 14, True)
    assert h.battery_level in ("low", "critical")
    assert h.last_fix_time == fix and h.last_contact_at is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.battery = 100  # type: ignore[misc]
