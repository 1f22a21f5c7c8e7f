"""What other contexts read of check-in windows: `window_status_counts` answers a typed
`WindowStatusCounts` (reporting's KPIs, reviews' compliance record, the dashboard card)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from atd.checkins.models import CheckinWindow
from atd.checkins.selectors import window_status_counts
from atd.checkins.services import SYSTEM_SCOPE
from atd.checkins.tests.support import T0, participant_scope, plan_for
from atd.checkins.types import WindowStatusCounts
from atd.testing.world import World

pytestmark = pytest.mark.django_db


def test_window_outcomes_are_counted_into_a_typed_value(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    windows = list(CheckinWindow.objects.filter(participant_id=pid).order_by("closes_at")[:4])
    assert len(windows) == 4
    for window, status in zip(
        windows, ("completed", "completed", "missed", "attempted"), strict=True
    ):
        CheckinWindow.objects.filter(pk=window.pk).update(status=status)
    since, until = T0 - timedelta(days=1), windows[-1].closes_at + timedelta(seconds=1)

    counts = window_status_counts(scope=participant_scope(pid), since=since, until=until)

    assert counts == WindowStatusCounts(completed=2, attempted=1, missed=1)
    assert counts.due == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        counts.missed = 0  # type: ignore[misc]
    other = world.participants["specialist_a"].pk
    nobody = window_status_counts(scope=participant_scope(other), since=since, until=until)
    assert nobody == WindowStatusCounts() and nobody.due == 0
    assert window_status_counts(scope=SYSTEM_SCOPE, since=since, until=until).due >= 4
