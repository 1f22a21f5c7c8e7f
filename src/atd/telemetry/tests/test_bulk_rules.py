"""The bulk (columnar) rules give exactly what the per-record references give (no database)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest

from atd.supervision.rules import CurfewSpec, curfew_active_at
from atd.telemetry.rules.columns import (
    columns_from_fixes,
    first_of_each_key,
    micros_of,
    moment_of,
    records_to_columns,
    value_problems,
)
from atd.telemetry.rules.curfews import curfew_arrays, curfews_active
from atd.telemetry.rules.jumps import jumps_mark_columns
from atd.telemetry.rules.movement import Anchor, jumps_mark
from atd.telemetry.rules.records import Fix, RecordProblem, fix_value_problem, record_decode

T0 = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)

ODD_RECORDS: list[Any] = [
    {"device": "D1", "time": "2026-06-01T12:00:00+00:00", "lat": 41.5, "lon": -87.1},
    {"device": "D1", "time": "2026-06-01T12:00:00", "lat": 41, "lon": -87, "seq": 7},
    {"device": "D1", "time": 1780315200, "lat": 1.5, "lon": 2.5, "battery": 55.9},
    {"device": "D1", "time": 1780315200123, "lat": 1.5, "lon": 2.5, "accuracy": 4},
    {"device": "D1", "time": 1.5, "lat": 1.5, "lon": 2.5},
    {"device": "D1", "time": "2026-06-01T12:00:00Z", "lat": "41.5", "lon": "2"},
    {"device": "D1", "time": "yesterday", "lat": 0, "lon": 0},
    {"device": "D1", "time": 1, "lat": 91, "lon": 0},
    {"device": "D1", "time": 1, "lat": float("nan"), "lon": 0},
    {"device": "D1", "time": 1, "lat": True, "lon": 0},
    {"device": "D1", "time": 1, "lat": 0, "lon": 0, "speed": float("inf")},
    {"device": "D1", "time": 1, "lat": 0, "lon": 0, "bearing": None, "altitude": ""},
    {"device": "D1", "time": 1, "lat": 0, "lon": 0, "charging": True},
    {"device": "D1", "time": 1, "lat": 0, "lon": 0, "charging": "yes"},
    {"device": "D1", "time": 1, "lat": 0, "lon": 0, "seq": 2**70},
    {"device": "D1", "time": 1, "lat": 0, "lon": 0, "seq": "12"},
    {"device": "D1", "time": 1, "lat": 0, "lon": 0, "attributes": {"a": 1}},
    {"device": "D1", "time": 1, "event": "strap_open"},
    {"device": 42, "time": 1, "lat": 0, "lon": 0},
    {"time": 1, "lat": 0, "lon": 0},
    {"device": "D1", "time": None, "lat": 0, "lon": 0},
    ["not", "a", "record"],
    {"device": "D1", "time": 1, "lat": 10**400, "lon": 0},
]


def _reference(record: Any, serial: str | None) -> Any:
    try:
        return record_decode(0, record, serial=serial, secret="s")
    except RecordProblem as problem:
        return problem.reason


def test_bulk_decode_accepts_exactly_what_the_reference_accepts_with_the_same_values() -> None:
    records = ODD_RECORDS * 3
    serials = [None, "GW"] * (len(records) // 2) + [None] * (len(records) % 2)
    columns, slow = records_to_columns(records, serials, ["s"] * len(records))
    bulk_rows = {int(i): k for k, i in enumerate(columns.index.tolist())}
    for i, record in enumerate(records):
        expected = _reference(record, serials[i])
        if i in bulk_rows:
            assert isinstance(expected, Fix), (record, expected)
            got = columns.fix(bulk_rows[i])
            for name in ("serial", "time", "lat", "lon", "seq", "accuracy", "speed", "bearing"):
                assert getattr(got, name) == getattr(expected, name), (record, name)
            assert (got.altitude, got.battery, got.charging) == (
                expected.altitude,
                expected.battery,
                expected.charging,
            )
            assert columns.secret[bulk_rows[i]] == expected.secret
        else:
            assert i in slow  # the reference decides these, with its own reason
    assert len(bulk_rows) + len(slow) == len(records)
    assert len(bulk_rows) >= 5  # the plain ones do take the bulk path


def test_value_problems_match_the_reference_in_its_order() -> None:
    fixes = [
        Fix(0, "D", None, T0, 0.0, 0.0, accuracy=-1.0, battery=200, speed=-1.0),
        Fix(1, "D", None, T0, 0.0, 0.0, battery=101),
        Fix(2, "D", None, T0, 0.0, 0.0, speed=-0.5),
        Fix(3, "D", None, T0, 0.0, 0.0, accuracy=3.0, battery=100, speed=0.0),
    ]
    got = {row: p.detail for row, p in value_problems(columns_from_fixes(fixes))}
    expected = {}
    for i, f in enumerate(fixes):
        problem = fix_value_problem(f)
        if problem is not None:
            expected[i] = problem.detail
    assert got == expected and 3 not in got


def test_first_of_each_key_keeps_the_earliest_row_of_a_device_and_time() -> None:
    devices = np.array([1, 2, 1, 1, 2])
    times = np.array([10, 10, 10, 20, 10])
    assert first_of_each_key(devices, times).tolist() == [True, True, False, True, False]


def _random_track(rng: random.Random, n: int) -> list[tuple[datetime, float, float, float]]:
    out = []
    lat, lon = 41.8, -87.6
    at = T0
    for _ in range(n):
        at += timedelta(seconds=rng.choice((5, 30, 60, 600)))
        if rng.random() < 0.15:  # a teleport
            lat, lon = lat + rng.uniform(-0.5, 0.5), lon + rng.uniform(-0.5, 0.5)
        else:
            lat, lon = lat + rng.gauss(0, 0.0005), lon + rng.gauss(0, 0.0005)
        out.append((at, lat, lon, rng.choice((5.0, 50.0))))
    return out


def test_bulk_jump_marking_equals_the_sequential_filter_per_device() -> None:
    rng = random.Random(3)
    fixes: list[Fix] = []
    anchors: dict[int, Anchor | None] = {}
    expected: dict[tuple[int, datetime], bool] = {}
    for device in range(1, 40):
        track = _random_track(rng, rng.randint(1, 25))
        if device % 3 == 0:
            anchors[device] = None
            start = None
        else:  # an anchor before the track, or (device % 5) inside it: late data
            pick = track[len(track) // 2] if device % 5 == 0 else track[0]
            start = Anchor(pick[0] - timedelta(seconds=30), pick[1] + 0.3, pick[2])
            anchors[device] = start
        flags, _ = jumps_mark(track, start, max_speed_mps=250 / 3.6)
        for (at, lat, lon, acc), flag in zip(track, flags, strict=True):
            expected[(device, at)] = flag
            fixes.append(Fix(len(fixes), "D", None, at, lat, lon, accuracy=acc, device_id=device))
    fixes.sort(key=lambda f: f.time)
    columns = columns_from_fixes(fixes)
    got = jumps_mark_columns(columns, anchors, max_speed_mps=250 / 3.6)
    assert any(expected.values())  # the sample has jumps
    assert {(f.device_id, f.time): bool(g) for f, g in zip(fixes, got, strict=True)} == expected


@pytest.mark.parametrize(
    ("timezone", "start", "end", "weekdays"),
    [
        ("America/Chicago", time(21, 0), time(6, 0), (0, 1, 2, 3, 4, 5, 6)),
        ("Europe/London", time(22, 30), time(5, 15), (4, 5)),  # Fri/Sat nights only
        ("Asia/Tokyo", time(9, 0), time(17, 0), (0, 2, 4)),
        ("America/Sao_Paulo", time(0, 0), time(0, 0), (0,)),  # empty window
        ("Australia/Lord_Howe", time(23, 59, 59, 999999), time(0, 0, 1), (6,)),  # 30-min DST
    ],
)
def test_bulk_curfew_windows_equal_the_reference_across_days_and_dst(
    timezone: str, start: time, end: time, weekdays: tuple[int, ...]
) -> None:
    curfew = CurfewSpec(1, 1, 1, weekdays, start, end, timezone)
    rng = random.Random(timezone)
    # every 7 minutes over 10 days spanning a DST change (late March / early April), plus
    # random moments to the microsecond
    moments = [T0 - timedelta(days=5) + timedelta(minutes=7 * k) for k in range(2060)]
    moments += [T0 + timedelta(microseconds=rng.randrange(10**12)) for _ in range(500)]
    moments += [
        datetime(2026, 4, 5, 2, 0, tzinfo=UTC) + timedelta(minutes=k) for k in range(-90, 90)
    ]
    micros = np.array([micros_of(m) for m in moments], dtype=np.int64)
    masks, starts, ends, zones = curfew_arrays([curfew])
    got = curfews_active(
        weekday_masks=masks,
        starts=starts,
        ends=ends,
        timezones=zones,
        which=np.zeros(len(moments), dtype=np.int64),
        time_us=micros,
    )
    expected = [curfew_active_at(curfew, m) for m in moments]
    assert got.tolist() == expected


def test_micros_round_trip() -> None:
    moment = datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert moment_of(micros_of(moment)) == moment
    assert not math.isnan(micros_of(moment))


def test_numbers_beyond_range_are_rejected_one_by_one_not_fatal() -> None:
    for record, reason in [
        ({"device": "D", "time": 1, "lat": 10**400, "lon": 0}, "bad_coordinates"),
        ({"device": "D", "time": 1, "lat": 0, "lon": 0, "speed": 10**400}, "bad_value"),
        ({"device": "D", "time": 1, "lat": 0, "lon": 0, "seq": 2**70}, "bad_value"),
    ]:
        assert _reference(record, None) == reason
