"""Places frequently visited: grid-cell clustering of a track (pure, no database)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from atd.console.rules import places_frequent

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_a_place_seen_on_several_days_is_found_with_its_counts() -> None:
    home = [
        (T0 + timedelta(days=d, minutes=m), 41.88001, -87.63001) for d in range(4) for m in (0, 5)
    ]
    once = [(T0 + timedelta(hours=3), 41.95, -87.70)]
    places = places_frequent(home + once)
    assert len(places) == 1
    assert (places[0].days, places[0].fixes) == (4, 8)
    assert abs(places[0].lat - 41.88001) < 1e-4
    assert places[0].first_at == T0 and places[0].last_at == T0 + timedelta(days=3, minutes=5)


def test_places_are_ordered_by_days_then_fixes_and_limited() -> None:
    a = [(T0 + timedelta(days=d), 41.0, -87.0) for d in range(5)]
    b = [(T0 + timedelta(days=d), 42.0, -87.0) for d in range(3)]
    c = [(T0 + timedelta(days=d, minutes=m), 43.0, -87.0) for d in range(3) for m in range(4)]
    places = places_frequent(a + b + c, limit=2)
    assert [round(p.lat) for p in places] == [41, 43]


def test_nearby_fixes_share_a_cell_and_far_ones_do_not() -> None:
    near = [(T0, 41.880000, -87.630000), (T0 + timedelta(days=1), 41.880300, -87.630300)]
    assert len(places_frequent(near, cell_m=150)) <= 1
    far = [(T0, 41.88, -87.63), (T0 + timedelta(days=1), 41.89, -87.63)]
    assert places_frequent(far, cell_m=150) == []


def test_bad_coordinates_and_empty_tracks_are_harmless() -> None:
    bad = [(T0, math.nan, 1.0), (T0, 1.0, math.inf), (T0, 91.0, 0.0), (T0, 0.0, 181.0)]
    assert places_frequent(bad) == []
    assert places_frequent([]) == []
    assert places_frequent([(T0, 1.0, 1.0)], cell_m=0) == []


def test_the_same_track_gives_the_same_places() -> None:
    track = [
        (T0 + timedelta(days=d, minutes=m), 41.88 + m * 1e-5, -87.63)
        for d in range(3)
        for m in range(10)
    ]
    assert places_frequent(track) == places_frequent(list(track))
