"""Raising alerts: one open alert per participant and kind; a repeated occurrence is a no-op."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atd.alerts.models import Alert, AlertEvent
from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertEvidence, AlertKind
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.testing.world import World


def _signal(world: World, ref: str, minutes: int = 0, kind: str = "strap_tamper") -> AlertSignal:
    return AlertSignal(
        kind=AlertKind(kind),
        occurred_at=clock.now() + timedelta(minutes=minutes),
        source="test",
        source_ref=ref,
        participant_id=world.participants["officer_a"].pk,
        evidence=AlertEvidence(facts={"battery": 40}),
    )


@pytest.mark.django_db
def test_repeated_occurrences_fold_into_one_open_alert(world: World) -> None:
    alert_raise_many(actor=SYSTEM, signals=[_signal(world, "e1"), _signal(world, "e2", 1)])
    alert_raise_many(actor=SYSTEM, signals=[_signal(world, "e3", 2)])
    alerts = Alert.objects.filter(participant=world.participants["officer_a"])
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.occurrence_count == 3
    assert alert.severity == "critical"
    assert alert.officer_id == world.users["case_officer"].pk
    assert alert.office_id == world.office_a.pk
    assert AlertEvent.objects.filter(alert=alert).count() == 3


@pytest.mark.django_db
def test_the_same_occurrence_raised_twice_counts_once(world: World) -> None:
    alert_raise_many(actor=SYSTEM, signals=[_signal(world, "same")])
    result = alert_raise_many(actor=SYSTEM, signals=[_signal(world, "same")])
    assert result.duplicates == 1
    assert Alert.objects.get().occurrence_count == 1


@pytest.mark.django_db
def test_a_resolved_alert_lets_a_new_one_open(world: World) -> None:
    alert_raise_many(actor=SYSTEM, signals=[_signal(world, "a")])
    Alert.objects.update(status="resolved", disposition="false_alarm")
    alert_raise_many(actor=SYSTEM, signals=[_signal(world, "b")])
    assert Alert.objects.count() == 2
    assert Alert.objects.filter(status="open").count() == 1
