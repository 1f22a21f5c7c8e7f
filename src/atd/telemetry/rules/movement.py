"""Distances and the speed/teleport filter for GPS jumps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from atd.core.geo import distance_m


@dataclass(frozen=True, slots=True)
class Anchor:
    """The last fix a device is believed to have really been at."""

    time: datetime
    lat: float
    lon: float


def is_jump(
    previous: Anchor | None,
    time: datetime,
    lat: float,
    lon: float,
    accuracy: float | None,
    *,
    max_speed_mps: float,
) -> bool:
    """A fix is a jump when reaching it from the previous good fix needs more than the maximum
    speed, after giving the new fix its accuracy radius as slack. A long gap is never a jump:
    the person had time to travel."""
    if previous is None:
        return False
    seconds = (time - previous.time).total_seconds()
    if seconds <= 0:
        return False
    travelled = distance_m(previous.lat, previous.lon, lat, lon) - (accuracy or 0.0)
    return travelled > max_speed_mps * seconds and travelled > 1_000.0


def jumps_mark(
    fixes: Sequence[tuple[datetime, float, float, float | None]],
    start: Anchor | None,
    *,
    max_speed_mps: float,
) -> tuple[list[bool], Anchor | None]:
    """One device's fixes in time order -> a jump flag per fix, and the new anchor.

    A jump does not move the anchor, so one bad fix cannot make the good fixes after it look
    like jumps. Three jumps in a row that agree with one another mean the device really moved
    (e.g. it was carried by car while off): the anchor follows them."""
    flags: list[bool] = []
    anchor = start
    streak: list[int] = []
    for i, (time, lat, lon, accuracy) in enumerate(fixes):
        if anchor is not None and time <= anchor.time:
            flags.append(False)  # late data before the anchor: nothing to compare against
            continue
        jump = is_jump(anchor, time, lat, lon, accuracy, max_speed_mps=max_speed_mps)
        if jump and streak:
            last = fixes[streak[-1]]
            agrees = not is_jump(
                Anchor(last[0], last[1], last[2]),
                time,
                lat,
                lon,
                accuracy,
                max_speed_mps=max_speed_mps,
            )
            streak = [*streak, i] if agrees else [i]
        elif jump:
            streak = [i]
        flags.append(jump)
        if not jump:
            streak = []
            anchor = Anchor(time, lat, lon)
        elif len(streak) >= 3:
            for j in streak:
                flags[j] = False
            anchor = Anchor(time, lat, lon)
            streak = []
    return flags, anchor
