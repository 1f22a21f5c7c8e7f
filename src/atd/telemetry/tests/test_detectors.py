"""Detectors through the pipeline: zones, curfew, jumps, battery, charging, no signal, purge."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from atd.alerts.models import Alert, AlertEvent
from atd.core import clock
from atd.telemetry.models import Position
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.telemetry.services import no_signal_scan, positions_purge
from atd.telemetry.tests.conftest import HOME, Tracked, add_curfew, add_home_zone

# 15:00 UTC = 10:00 in Chicago (CDT)
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
FAR = (HOME[0] + 0.02, HOME[1])  # about 2.2 km north of home


def send(t: Tracked, points: list[tuple[datetime, float, float]], **extra: Any) -> Any:
    records = [
        {"time": at.isoformat(), "lat": lat, "lon": lon, "accuracy": 15, **extra}
        for at, lat, lon in points
    ]
    return pipeline_run(submissions=[Submission(records, t.serial, t.secret)], via="http")


def walk(start: datetime, n: int, where: tuple[float, float], step_s: int = 60) -> list:
    return [
        (start + timedelta(seconds=step_s * i), where[0] + i * 1e-5, where[1]) for i in range(n)
    ]


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(NOW + timedelta(hours=1)):
        yield


def alerts(kind: str) -> list[Alert]:
    return list(Alert.objects.filter(kind=kind))


def test_inclusion_zone_exit_needs_persistence(tracked: Tracked) -> None:
    add_home_zone(tracked.participant_id)
    send(tracked, walk(NOW, 3, HOME))
    send(tracked, walk(NOW + timedelta(minutes=5), 2, FAR))
    assert alerts("zone_exit") == []
    send(tracked, walk(NOW + timedelta(minutes=7), 1, FAR))
    [alert] = alerts("zone_exit")
    assert (
        alert.evidence["positions"] and alert.evidence["device"]["device_id"] == tracked.device_id
    )


def test_the_same_episode_raises_once_across_batches(tracked: Tracked) -> None:
    add_home_zone(tracked.participant_id)
    for k in range(4):
        send(tracked, walk(NOW + timedelta(minutes=10 * k), 3, FAR))
    assert AlertEvent.objects.filter(kind="zone_exit").count() == 1


def test_drift_near_the_edge_within_accuracy_raises_nothing(tracked: Tracked) -> None:
    add_home_zone(tracked.participant_id, radius_m=200)
    # 195 m to 212 m from the centre: outside by less than the 15 m accuracy at worst
    offsets = [0.00176, 0.00190, 0.00185, 0.00191, 0.00179, 0.00190, 0.00188, 0.00190]
    points = [(NOW + timedelta(minutes=i), HOME[0] + d, HOME[1]) for i, d in enumerate(offsets)]
    send(tracked, points)
    assert alerts("zone_exit") == []


def test_exclusion_zone_entry_raises_alert(tracked: Tracked) -> None:
    from atd.supervision.models import Zone

    Zone.objects.create(
        participant_id=tracked.participant_id,
        name="Excluded",
        kind="exclusion",
        purpose="excluded",
        polygon=[
            [FAR[1] - 0.002, FAR[0] - 0.002],
            [FAR[1] + 0.002, FAR[0] - 0.002],
            [FAR[1] + 0.002, FAR[0] + 0.002],
            [FAR[1] - 0.002, FAR[0] + 0.002],
            [FAR[1] - 0.002, FAR[0] - 0.002],
        ],
        created_at=clock.now(),
    )
    send(tracked, walk(NOW, 4, FAR))
    [alert] = alerts("zone_entry")
    assert alert.severity == "high"


def test_zone_exit_during_curfew_raises_curfew_alert_and_not_outside_it(tracked: Tracked) -> None:
    zone = add_home_zone(tracked.participant_id)
    add_curfew(zone, time(21, 0), time(6, 0))  # Chicago nights
    send(tracked, walk(NOW, 5, FAR))  # 10:00 local: free to be away
    assert alerts("curfew") == [] and alerts("zone_exit") == []
    night = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 23:00 Chicago, May 31
    send(tracked, walk(night, 5, FAR))
    assert len(alerts("curfew")) == 1


def test_out_of_order_upload_is_evaluated_in_event_time_order(tracked: Tracked) -> None:
    add_home_zone(tracked.participant_id)
    points = (
        walk(NOW, 3, HOME)
        + walk(NOW + timedelta(minutes=3), 3, FAR)
        + walk(NOW + timedelta(minutes=6), 3, HOME)
    )
    points.reverse()
    send(tracked, points)
    # In arrival order the far fixes would not be consecutive; in event order they are.
    assert len(alerts("zone_exit")) == 1


def test_gps_jump_is_stored_but_raises_no_zone_alert(tracked: Tracked) -> None:
    add_home_zone(tracked.participant_id)
    send(tracked, walk(NOW, 3, HOME))
    spike = [(NOW + timedelta(minutes=3, seconds=s), HOME[0] + 0.3, HOME[1]) for s in (0, 5)]
    send(tracked, spike + walk(NOW + timedelta(minutes=4), 3, HOME))
    assert alerts("zone_exit") == []
    assert Position.objects.filter(flags=1).count() == 2


def test_battery_low_then_critical_each_raise_once(tracked: Tracked) -> None:
    for i, level in enumerate([50, 19, 18, 17, 4, 3]):
        send(tracked, [(NOW + timedelta(minutes=i), *HOME)], battery=level)
    assert AlertEvent.objects.filter(kind="battery_low").count() == 1
    assert AlertEvent.objects.filter(kind="battery_critical").count() == 1


def test_tamper_event_raises_critical_alert_once_when_resent(tracked: Tracked) -> None:
    record = {"event": "strap_open", "time": NOW.isoformat()}
    for _ in range(3):
        pipeline_run(submissions=[Submission([record], tracked.serial, tracked.secret)], via="mqtt")
    [alert] = alerts("strap_tamper")
    assert alert.severity == "critical" and alert.occurrence_count == 1


def test_charging_started_and_stopped_are_reported(tracked: Tracked) -> None:
    send(tracked, [(NOW, *HOME)], charging=False)
    send(tracked, [(NOW + timedelta(minutes=1), *HOME)], charging=True)
    send(tracked, [(NOW + timedelta(minutes=2), *HOME)], charging=False)
    assert AlertEvent.objects.filter(kind="charging").count() == 2


def test_no_signal_job_raises_once_per_silence_and_survives_restarts(tracked: Tracked) -> None:
    with clock.frozen_at(NOW):
        send(tracked, [(NOW - timedelta(minutes=1), *HOME)])
    later = NOW + timedelta(minutes=45)
    assert no_signal_scan(now=NOW + timedelta(minutes=10)) == 0
    assert no_signal_scan(now=later) == 1
    assert no_signal_scan(now=later + timedelta(minutes=5)) == 0  # a second run, or a restart
    assert AlertEvent.objects.filter(kind="no_signal").count() == 1


def test_purge_keeps_positions_cited_by_alerts_or_on_legal_hold(
    world: Any, tracked: Tracked
) -> None:
    from atd.core.scope import Scope
    from atd.telemetry.services import legal_hold_place
    from atd.telemetry.tests.conftest import make_tracked

    old = NOW - timedelta(days=10)
    with clock.frozen_at(old + timedelta(minutes=10)):
        send(tracked, walk(old, 5, HOME))
        pipeline_run(
            submissions=[
                Submission(
                    [
                        {
                            "event": "strap_open",
                            "time": (old + timedelta(minutes=4, seconds=30)).isoformat(),
                        }
                    ],
                    tracked.serial,
                    tracked.secret,
                )
            ],
            via="http",
        )
        held = make_tracked(world, "specialist_a", kind="wrist")
        send(held, walk(old, 4, HOME))
    admin = world.user("admin")
    legal_hold_place(
        actor=admin,
        scope=Scope.for_user(admin),
        participant_id=held.participant_id,
        reason="litigation",
    )
    deleted = positions_purge(now=old + timedelta(days=31))
    # the 5 fixes cited by the tamper alert and the 4 under hold survive
    assert deleted == 0
    assert Position.objects.count() == 9
    send_more = walk(old + timedelta(hours=1), 3, HOME)
    with clock.frozen_at(old + timedelta(hours=2)):
        send(tracked, send_more)
    assert positions_purge(now=old + timedelta(days=31)) == 3
