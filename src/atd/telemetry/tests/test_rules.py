"""Pure telemetry rules: decoding, validation, jumps, zones, persistence, battery (no database)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from atd.telemetry.rules.memory import (
    Persistence,
    ViolationState,
    battery_alert_kind,
    battery_level,
    no_signal_since,
    violation_step,
)
from atd.telemetry.rules.movement import Anchor, distance_m, jumps_mark
from atd.telemetry.rules.records import (
    Event,
    Fix,
    RecordProblem,
    osmand_to_record,
    parse_time,
    record_decode,
    record_time_problem,
    traccar_json_to_record,
)
from atd.telemetry.rules.zones import (
    AMBIGUOUS,
    INSIDE,
    OUTSIDE,
    classify,
    point_in_zone_slow,
    signed_distances,
    zone_shape,
)

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_epoch_seconds_milliseconds_and_iso_times_agree() -> None:
    assert parse_time(1780315200) == parse_time(1780315200000) == parse_time("2026-06-01T12:00:00Z")


def test_time_without_offset_is_utc() -> None:
    assert parse_time("2026-06-01T12:00:00") == T0


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"time": 1, "lat": 91, "lon": 0}, "bad_coordinates"),
        ({"time": 1, "lat": float("nan"), "lon": 0}, "bad_coordinates"),
        ({"time": 1, "lat": 0, "lon": -181}, "bad_coordinates"),
        ({"time": "yesterday", "lat": 0, "lon": 0}, "bad_time"),
        ({"time": 1, "lat": 0, "lon": 0, "battery": "inf"}, "bad_value"),
        ({"time": 1, "event": "explode"}, "unknown_event"),
        ([1, 2], "malformed"),
    ],
)
def test_bad_records_name_their_reason(record: object, reason: str) -> None:
    with pytest.raises(RecordProblem) as info:
        record_decode(0, record, serial="D1", secret="s")
    assert info.value.reason == reason


def test_a_record_may_name_its_own_device_and_key() -> None:
    fix = record_decode(
        0, {"device": "D2", "key": "k2", "time": 1, "lat": 1, "lon": 2}, serial="D1", secret="s"
    )
    assert isinstance(fix, Fix) and (fix.serial, fix.secret) == ("D2", "k2")


def test_event_records_decode_as_events() -> None:
    event = record_decode(0, {"event": "strap_open", "time": 1}, serial="D1", secret=None)
    assert isinstance(event, Event) and event.kind == "strap_open"


def test_future_and_too_old_times_are_problems() -> None:
    tol, age = timedelta(minutes=5), timedelta(days=30)
    future = record_time_problem(T0 + timedelta(hours=1), now=T0, future_tolerance=tol, max_age=age)
    old = record_time_problem(T0 - timedelta(days=31), now=T0, future_tolerance=tol, max_age=age)
    ok = record_time_problem(T0 - timedelta(hours=72), now=T0, future_tolerance=tol, max_age=age)
    assert future is not None and future.reason == "future_time"
    assert old is not None and old.reason == "too_old"
    assert ok is None


def test_osmand_speed_is_converted_from_knots_and_extras_kept() -> None:
    record = osmand_to_record(
        {
            "id": "D1",
            "lat": "1",
            "lon": "2",
            "timestamp": "1780315200",
            "speed": "10",
            "batt": "55",
            "hdop": "0.9",
        }
    )
    assert record["device"] == "D1" and record["battery"] == "55"
    assert math.isclose(record["speed"], 5.14444)
    assert record["attributes"] == {"hdop": "0.9"}


def test_traccar_json_body_maps_to_a_record() -> None:
    record = traccar_json_to_record(
        {
            "device_id": "D1",
            "location": {
                "timestamp": "2026-06-01T12:00:00Z",
                "coords": {"latitude": 1.5, "longitude": 2.5, "accuracy": 8, "speed": 1},
                "battery": {"level": 0.42, "is_charging": True},
                "activity": {"type": "still"},
            },
        }
    )
    assert record["battery"] == 42 and record["charging"] is True and record["lat"] == 1.5
    assert record["attributes"] == {"activity": {"type": "still"}}


def test_a_single_gps_spike_is_a_jump_and_the_fixes_after_it_are_not() -> None:
    base = (41.88, -87.63)
    track = [
        (T0, *base, 10.0),
        (T0 + timedelta(seconds=60), 41.88 + 0.5, -87.63, 10.0),  # 55 km in a minute
        (T0 + timedelta(seconds=120), 41.8801, -87.63, 10.0),
    ]
    flags, anchor = jumps_mark(track, None, max_speed_mps=70)
    assert flags == [False, True, False]
    assert anchor is not None and anchor.time == T0 + timedelta(seconds=120)


def test_a_long_gap_is_never_a_jump() -> None:
    flags, _ = jumps_mark(
        [(T0 + timedelta(hours=5), 42.5, -87.63, 10.0)], Anchor(T0, 41.88, -87.63), max_speed_mps=70
    )
    assert flags == [False]


def test_three_agreeing_jumps_move_the_anchor() -> None:
    far = 43.0
    track = [(T0 + timedelta(seconds=10 * i), far + i * 1e-5, -87.63, 10.0) for i in range(1, 4)]
    flags, anchor = jumps_mark(track, Anchor(T0, 41.88, -87.63), max_speed_mps=70)
    assert flags == [False, False, False]
    assert anchor is not None and anchor.lat > 42


def test_circle_zone_distance_matches_haversine() -> None:
    zone = zone_shape(
        1, "inclusion", center_lat=41.88, center_lon=-87.63, radius_m=200, polygon=None
    )
    lat = 41.88 + 0.01
    d = signed_distances([zone], np.array([lat]), np.array([-87.63]))[0]
    assert math.isclose(d + 200, distance_m(41.88, -87.63, lat, -87.63), rel_tol=0.01)


def test_a_fix_outside_by_less_than_its_accuracy_is_ambiguous() -> None:
    verdicts = classify(np.array([50.0, 50.0, -50.0, -5.0]), np.array([100.0, 10.0, 10.0, 20.0]))
    assert list(verdicts) == [AMBIGUOUS, OUTSIDE, INSIDE, AMBIGUOUS]


def test_bulk_zone_evaluation_matches_the_slow_reference() -> None:
    rng = random.Random(7)
    square = [[-87.64, 41.87], [-87.62, 41.87], [-87.62, 41.89], [-87.64, 41.89], [-87.64, 41.87]]
    shapes = [
        zone_shape(1, "inclusion", center_lat=41.88, center_lon=-87.63, radius_m=500, polygon=None),
        zone_shape(2, "exclusion", center_lat=None, center_lon=None, radius_m=None, polygon=square),
    ]
    pairs = [
        (shapes[i % 2], 41.88 + rng.uniform(-0.02, 0.02), -87.63 + rng.uniform(-0.02, 0.02))
        for i in range(400)
    ]
    fast = signed_distances(
        [p[0] for p in pairs], np.array([p[1] for p in pairs]), np.array([p[2] for p in pairs])
    )
    slow = [point_in_zone_slow(z, lat, lon) for z, lat, lon in pairs]
    assert np.allclose(fast, slow, atol=1e-6)


RULE = Persistence(fixes=3, duration=timedelta(minutes=5))


def test_a_violation_needs_n_fixes_to_raise_and_raises_once() -> None:
    state = ViolationState()
    fired = []
    for i in range(6):
        state, fire = violation_step(state, 1, T0 + timedelta(seconds=30 * i), RULE)
        fired.append(fire)
    assert fired == [False, False, True, False, False, False]


def test_a_violation_lasting_m_minutes_raises_with_few_fixes() -> None:
    state, first = violation_step(ViolationState(), 1, T0, RULE)
    state, second = violation_step(state, 1, T0 + timedelta(minutes=6), RULE)
    assert (first, second) == (False, True)


def test_one_drifting_fix_raises_nothing_and_compliance_resets() -> None:
    state, _ = violation_step(ViolationState(), 1, T0, RULE)
    state, _ = violation_step(state, -1, T0 + timedelta(seconds=30), RULE)
    state, fire = violation_step(state, 1, T0 + timedelta(seconds=60), RULE)
    assert not fire and state.count == 1


def test_ambiguous_fixes_neither_count_nor_reset() -> None:
    state, _ = violation_step(ViolationState(), 1, T0, RULE)
    state, _ = violation_step(state, 0, T0 + timedelta(seconds=30), RULE)
    assert state.count == 1 and state.since == T0


def test_battery_levels_have_hysteresis_and_only_drops_raise() -> None:
    assert battery_level(19, low=20, critical=5, previous="ok") == "low"
    assert battery_level(22, low=20, critical=5, previous="low") == "low"
    assert battery_level(26, low=20, critical=5, previous="low") == "ok"
    assert battery_level(4, low=20, critical=5, previous="low") == "critical"
    assert battery_alert_kind("ok", "low") == "battery_low"
    assert battery_alert_kind("low", "critical") == "battery_critical"
    assert battery_alert_kind("critical", "low") is None


def test_no_signal_is_silence_longer_than_the_threshold() -> None:
    assert no_signal_since(T0, now=T0 + timedelta(minutes=31), threshold=timedelta(minutes=30))
    assert not no_signal_since(T0, now=T0 + timedelta(minutes=29), threshold=timedelta(minutes=30))
