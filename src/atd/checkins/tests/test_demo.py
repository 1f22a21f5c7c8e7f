"""The demo steps of supervision and checkins seed plans, windows and a check-in history."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command

from atd.checkins.demo import demo_seed as checkins_seed
from atd.checkins.models import Checkin, CheckinWindow
from atd.core import clock
from atd.core.extensions import demo_steps
from atd.supervision.demo import demo_seed as supervision_seed
from atd.supervision.models import Plan
from atd.testing.world import World

pytestmark = pytest.mark.django_db


def test_demo_steps_are_registered_in_order() -> None:
    names = [s.name for s in sorted(demo_steps, key=lambda s: s.order)]
    assert names.index("supervision") < names.index("checkins")


def test_demo_seeds_plans_windows_and_history(world: World) -> None:
    ids = [p.pk for p in world.participants.values()]
    ctx = {"participants": ids, "rng": random.Random(7)}
    supervision_seed(ctx)
    checkins_seed(ctx)
    assert Plan.objects.filter(is_active=True).count() == len(ids)
    assert CheckinWindow.objects.filter(participant_id__in=ids).exists()
    assert Checkin.objects.filter(participant_id__in=ids).exists()
    # Nothing left open whose time is up: the history is closed as the job would close it.
    assert not CheckinWindow.objects.filter(status="open", closes_at__lte=clock.now()).exists()
    assert CheckinWindow.objects.filter(status="completed").exists()
    # Seeding again changes nothing.
    before = (Plan.objects.count(), Checkin.objects.count())
    supervision_seed(ctx)
    assert (Plan.objects.count(), Checkin.objects.count()) == before


def test_management_command_runs_both_jobs(world: World) -> None:
    call_command("checkins", "all")
