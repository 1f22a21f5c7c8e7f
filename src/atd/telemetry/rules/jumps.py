"""GPS-jump marking for a whole batch at once (the bulk twin of `movement.jumps_mark`)."""

from __future__ import annotations

import numpy as np

from atd.core.geo import distances_m
from atd.telemetry.rules.columns import FixColumns, _opt, micros_of
from atd.telemetry.rules.movement import Anchor, jumps_mark


def jumps_mark_columns(
    columns: FixColumns,
    anchors: dict[int, Anchor | None],
    *,
    max_speed_mps: float,
) -> np.ndarray:
    """Jump flags for fixes in time order (many devices), identical to `jumps_mark` per device.

    Bulk test first: when no fix of a device is late (before its anchor) and no step from the
    anchor or the previous fix is even close to a jump (1 % margin for rounding), the
    sequential filter marks nothing, so that device is done. The others (rare) run the
    sequential reference."""
    n = len(columns)
    flags = np.zeros(n, dtype=bool)
    if n == 0:
        return flags
    order = np.lexsort((columns.time_us, columns.device_id))
    dev = columns.device_id[order]
    t = columns.time_us[order]
    lat, lon = columns.lat[order], columns.lon[order]
    acc = np.nan_to_num(columns.accuracy[order], nan=0.0)
    first = np.ones(n, dtype=bool)
    first[1:] = dev[1:] != dev[:-1]
    prev_t = np.empty(n, dtype=np.int64)
    prev_lat = np.empty(n)
    prev_lon = np.empty(n)
    prev_t[1:], prev_lat[1:], prev_lon[1:] = t[:-1], lat[:-1], lon[:-1]
    has_prev = ~first
    late = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(first).tolist():
        anchor = anchors.get(int(dev[i]))
        if anchor is None:
            has_prev[i] = False
            continue
        prev_t[i] = micros_of(anchor.time)
        prev_lat[i], prev_lon[i] = anchor.lat, anchor.lon
        has_prev[i] = True
        late[i] = t[i] <= prev_t[i]
    seconds = np.where(has_prev, (t - prev_t) / 1e6, 0.0)
    travelled = distances_m(prev_lat, prev_lon, lat, lon) - acc
    near = has_prev & (travelled > 0.99 * max_speed_mps * seconds) & (travelled > 990.0)
    # A late first fix means the anchor's time covers fixes after it too: sequential path.
    suspect = near | late
    if not suspect.any():
        return flags
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], n)
    for g in np.unique(group[suspect]).tolist():
        lo, hi = int(starts[g]), int(ends[g])
        rows = order[lo:hi]
        marks, _ = jumps_mark(
            [
                (
                    columns.time_of(int(r)),
                    float(columns.lat[r]),
                    float(columns.lon[r]),
                    _opt(columns.accuracy[r]),
                )
                for r in rows
            ],
            anchors.get(int(dev[lo])),
            max_speed_mps=max_speed_mps,
        )
        flags[rows] = marks
    return flags
