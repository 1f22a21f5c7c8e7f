"""Pure console rules: how to even out caseloads between officers; a fleet map dot's state;
the places a track visits often (the locate package)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


def rebalance_plan(loads: dict[int, int], *, tolerance: int = 1) -> list[tuple[int, int, int]]:
    """Moves (from officer, to officer, cases) that bring every officer within `tolerance` of
    the others, moving as few cases as possible: repeatedly the busiest gives to the idlest."""
    current = dict(loads)
    moves: dict[tuple[int, int], int] = {}
    if len(current) < 2:
        return []
    for _ in range(sum(current.values()) + 1):
        busiest = max(current, key=lambda k: (current[k], -k))
        idlest = min(current, key=lambda k: (current[k], k))
        gap = current[busiest] - current[idlest]
        if gap <= tolerance:
            break
        n = gap // 2
        current[busiest] -= n
        current[idlest] += n
        moves[(busiest, idlest)] = moves.get((busiest, idlest), 0) + n
    return [(a, b, n) for (a, b), n in moves.items()]


def fleet_state(*, open_alert: bool, fix_age: timedelta, no_signal_after: timedelta) -> str:
    """A dot on the fleet map: "alert" while an alert waits for acknowledgement, else
    "no_signal" once the last fix is older than the device kind's no-signal limit, else "ok"."""
    return fleet_state_seconds(
        open_alert=open_alert,
        fix_age_s=fix_age.total_seconds(),
        no_signal_after_s=no_signal_after.total_seconds(),
    )


def fleet_state_seconds(*, open_alert: bool, fix_age_s: float, no_signal_after_s: float) -> str:
    """`fleet_state` with the ages in seconds (the map computes a whole office's at once)."""
    if open_alert:
        return "alert"
    if fix_age_s > no_signal_after_s:
        return "no_signal"
    return "ok"


# --- places frequently visited (the locate package, issue 19) ---------------------------------


@dataclass(frozen=True)
class Place:
    """A grid cell the track visited often: its centre, the fixes in it, on how many distinct
    days, and the first and last fix there."""

    lat: float
    lon: float
    fixes: int
    days: int
    first_at: datetime
    last_at: datetime


def places_frequent(
    points: Sequence[tuple[datetime, float, float]],
    *,
    cell_m: float = 150.0,
    min_days: int = 2,
    limit: int = 5,
) -> list[Place]:
    """Clusters fixes (time, lat, lon) into square grid cells of about `cell_m` metres and
    returns the cells seen on at least `min_days` distinct days, most days first (then most
    fixes). The cells are aligned to a grid fixed by the first point's latitude, so the same
    track always gives the same cells. Fixes that are not finite numbers are skipped."""
    good = [
        (at, lat, lon)
        for at, lat, lon in points
        if math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
    ]
    if not good or cell_m <= 0:
        return []
    lat_step = cell_m / 111_320.0
    lon_step = cell_m / (111_320.0 * max(math.cos(math.radians(good[0][1])), 0.01))
    cells: dict[tuple[int, int], list[tuple[datetime, float, float]]] = {}
    for at, lat, lon in good:
        key = (math.floor(lat / lat_step), math.floor(lon / lon_step))
        cells.setdefault(key, []).append((at, lat, lon))
    places = []
    for members in cells.values():
        days = len({at.date() for at, _, _ in members})
        if days < min_days:
            continue
        times = [at for at, _, _ in members]
        places.append(
            Place(
                lat=round(sum(m[1] for m in members) / len(members), 5),
                lon=round(sum(m[2] for m in members) / len(members), 5),
                fixes=len(members),
                days=days,
                first_at=min(times),
                last_at=max(times),
            )
        )
    places.sort(key=lambda p: (-p.days, -p.fixes, p.lat, p.lon))
    return places[:limit]
