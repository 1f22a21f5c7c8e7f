"""An alert's page shows its evidence readably: each cited position with its time, the
device's health as labelled fields (not a dump of keys); unknown alert kinds are refused
where a signal is made; stored evidence reads back into the typed structure."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from atd.alerts.models import Alert
from atd.alerts.services import AlertSignal
from atd.alerts.types import AlertEvidence, DeviceHealth, EvidencePosition, EvidenceUnreadable
from atd.core import clock
from atd.telemetry.services import telemetry_ingest
from atd.telemetry.tests.conftest import HOME, make_tracked
from atd.testing.world import World

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_telemetry_alert_page_shows_each_position_with_its_time_and_the_device_health(
    world: World, client_for: Any
) -> None:
    tracked = make_tracked(world)
    times = [NOW - timedelta(minutes=m) for m in (9, 6, 3)]
    records: list[dict[str, Any]] = [
        {"seq": i, "time": t.isoformat(), "lat": HOME[0], "lon": HOME[1], "battery": 77}
        for i, t in enumerate(times)
    ]
    records.append({"event": "strap_open", "time": (NOW - timedelta(minutes=1)).isoformat()})
    with clock.frozen_at(NOW):
        telemetry_ingest(
            actor=None, records=records, via="http", serial=tracked.serial, secret=tracked.secret
        )
    alert = Alert.objects.get(kind="strap_tamper", participant_id=tracked.participant_id)

    page = client_for("case_officer").get(f"/alerts/{alert.pk}/").content.decode()

    positions = page[page.index('id="evidence-positions"') :]
    positions = positions[: positions.index("</table>")]
    # Times are shown in the viewer's zone (the officer's office by default), labelled.
    zone = ZoneInfo(world.office_a.timezone)
    for t in times:
        assert t.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") in positions
    assert not re.search(r"<tr><td></td>", positions), "a position without its time"
    health = page[page.index('id="device-health"') :]
    health = health[: health.index("</dl>")]
    assert f"#{tracked.device_id}" in health
    assert "<dt>Battery</dt><dd>77%" in health
    assert "<dt>Strap</dt><dd><strong>open</strong>" in health
    assert (
        "<dt>Last contact</dt>" in health
        and NOW.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") in health
    )
    block = page[page.index('id="evidence-h"') : page.index('id="history-h"')]
    assert "device_id:" not in block and "charging:" not in block


@pytest.mark.django_db
def test_an_alert_from_another_source_shows_its_facts_and_no_device(
    world: World, client_for: Any
) -> None:
    from atd.alerts.tests.test_lifecycle import raise_alert

    alert = raise_alert(world)
    Alert.objects.filter(pk=alert.pk).update(evidence={"window": {"id": 7}})
    page = client_for("case_officer").get(f"/alerts/{alert.pk}/").content.decode()
    assert "<dt>Window</dt><dd>id: 7</dd>" in page
    assert 'id="device-health"' not in page
    assert "No positions attached." in page


def test_evidence_round_trips_through_its_json_with_one_spelling() -> None:
    evidence = AlertEvidence(
        positions=(EvidencePosition(at=NOW, lat=41.88, lon=-87.63, accuracy_m=9.5, battery=80),),
        device=DeviceHealth(device_id=3, battery=80, charging=False, last_contact_at=NOW),
        facts={"rule": {"zone_id": 4}},
    )
    stored = evidence.as_json()
    assert stored["positions"] == [
        {"at": NOW.isoformat(), "lat": 41.88, "lon": -87.63, "accuracy_m": 9.5, "battery": 80}
    ]
    assert AlertEvidence.from_json(stored) == evidence


@pytest.mark.parametrize(
    "stored",
    [
        {"positions": [{"time": NOW.isoformat(), "lat": 1.0, "lon": 2.0}]},  # old spelling
        {"positions": [{"at": NOW.isoformat(), "lat": "1", "lon": 2.0}]},
        {"positions": {"at": NOW.isoformat()}},
        {"device": {"device_id": 1, "signal": "weak"}},
        {"device": "35"},
        ["positions"],
    ],
)
def test_evidence_in_another_shape_is_refused_not_guessed(stored: Any) -> None:
    with pytest.raises(EvidenceUnreadable):
        AlertEvidence.from_json(stored)


def test_an_unknown_alert_kind_is_refused_where_the_signal_is_made() -> None:
    with pytest.raises(ValueError, match="unknown alert kind"):
        AlertSignal(kind="strap_tamperr", occurred_at=NOW, source="t", source_ref="1")  # type: ignore[arg-type]
    known = AlertSignal(kind="curfew", occurred_at=NOW, source="t", source_ref="1")  # type: ignore[arg-type]
    assert known.kind.label == "Curfew violation"


def test_the_migration_rewrites_rows_stored_under_old_spellings_into_the_one_shape() -> None:
    migration = importlib.import_module("atd.alerts.migrations.0004_evidence_one_spelling")
    telemetry_row = {
        "positions": [
            {"time": NOW.isoformat(), "lat": 41.0, "lon": -87.0, "accuracy_m": 5.0, "battery": 9}
        ],
        "device": {"device_id": 35, "battery": 100, "charging": None, "last_fix_time": None},
        "rule": {"rule": "zone:4"},
    }
    demo_row = {
        "device": {"battery": 70, "signal": "weak", "last_contact": NOW.isoformat()},
        "last_positions": [{"at": NOW.isoformat(), "lat": 41.0, "lon": -87.0, "acc": 12}],
    }
    unplaceable = {"positions": [{"lat": 41.0, "lon": -87.0}], "quantity": 3}
    telemetry = AlertEvidence.from_json(migration.evidence_normal(telemetry_row))
    assert telemetry.positions[0].at == NOW and telemetry.positions[0].battery == 9
    assert telemetry.device == DeviceHealth(device_id=35, battery=100)
    assert telemetry.facts == {"rule": {"rule": "zone:4"}}
    demo = AlertEvidence.from_json(migration.evidence_normal(demo_row))
    assert demo.positions[0].accuracy_m == 12.0
    assert demo.device == DeviceHealth(device_id=None, battery=70, last_contact_at=NOW)
    assert migration.evidence_normal(unplaceable) == {"quantity": 3}
