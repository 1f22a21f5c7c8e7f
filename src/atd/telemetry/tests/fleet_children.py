"""Child processes for the cluster fault test, on the test's throwaway PostgreSQL (set in the
environment by the parent). Imports nothing from Django at import time."""

from __future__ import annotations

import json
import os
import sys

KINDS = ("gps_ankle", "wrist", "smartphone")


def seed(count: int) -> None:
    """Migrates the throwaway database and registers `count` devices worn by participants;
    prints [[serial, device_id], ...] as the last line."""
    os.environ["ATD_TASKS_IMMEDIATE"] = "1"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from atd.telemetry.tests.conftest import make_tracked
    from atd.testing.world import build_world

    world = build_world()
    # One active device of a kind per participant: participants x kinds.
    pairs = [(p, k) for p in ("officer_a", "specialist_a", "office_b") for k in KINDS]
    tracked = [make_tracked(world, p, kind=k) for p, k in pairs[:count]]
    sys.stdout.write(json.dumps([[t.serial, t.device_id] for t in tracked]) + "\n")
