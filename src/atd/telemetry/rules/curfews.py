"""Curfew windows evaluated for many moments at once (the bulk twin of
`supervision.rules.curfew_active_at`, which stays the reference and is cross-checked in tests)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from atd.telemetry.rules.columns import moment_of

_HOUR_US = 3_600_000_000
_DAY_US = 86_400_000_000


def _micros_of_day(moment: time) -> int:
    return (
        (moment.hour * 60 + moment.minute) * 60 + moment.second
    ) * 1_000_000 + moment.microsecond


def local_clock(timezone: str, time_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(weekday, microseconds since local midnight) of each UTC moment in `timezone`.

    The UTC offset is looked up once per distinct hour; an hour whose two ends have different
    offsets (it holds a daylight-saving change) is looked up per moment."""
    zone = ZoneInfo(timezone)
    hours = time_us // _HOUR_US
    distinct, inverse = np.unique(hours, return_inverse=True)
    offsets = np.empty(distinct.shape[0], dtype=np.int64)
    steady = np.ones(distinct.shape[0], dtype=bool)
    for j, hour in enumerate(distinct.tolist()):
        first = moment_of(hour * _HOUR_US).astimezone(zone).utcoffset()
        last = moment_of((hour + 1) * _HOUR_US - 1).astimezone(zone).utcoffset()
        assert first is not None and last is not None
        offsets[j] = first.days * _DAY_US + (first.seconds * 1_000_000 + first.microseconds)
        steady[j] = first == last
    offset = offsets[inverse]
    for i in np.flatnonzero(~steady[inverse]).tolist():
        delta = moment_of(int(time_us[i])).astimezone(zone).utcoffset()
        assert delta is not None
        offset[i] = delta.days * _DAY_US + (delta.seconds * 1_000_000 + delta.microseconds)
    local = time_us + offset
    days = local // _DAY_US
    return (days + 3) % 7, local - days * _DAY_US  # 1970-01-01 was a Thursday (weekday 3)


def curfew_active_many(
    *, weekdays: Iterable[int], start: time, end: time, timezone: str, time_us: np.ndarray
) -> np.ndarray:
    """For each moment: is it inside the curfew (windows may cross midnight; the morning part
    belongs to the previous day's window)?"""
    weekday, clock = local_clock(timezone, time_us)
    on_day = np.zeros(7, dtype=bool)
    on_day[[d for d in weekdays if 0 <= d <= 6]] = True
    s, e = _micros_of_day(start), _micros_of_day(end)
    if s <= e:
        return on_day[weekday] & (s <= clock) & (clock < e)
    evening = clock >= s
    morning = clock < e
    return np.where(evening, on_day[weekday], morning & on_day[(weekday - 1) % 7])


def curfews_active(
    *,
    weekday_masks: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    timezones: list[str],
    which: np.ndarray,
    time_us: np.ndarray,
) -> np.ndarray:
    """Element-wise: is time_us[i] inside curfew which[i]? Curfews as arrays: a 7-bit weekday
    mask (bit d = weekday d), start and end in microseconds of the day, a timezone each."""
    out = np.zeros(which.shape[0], dtype=bool)
    tz_of = np.asarray(timezones, dtype=object)[which] if which.size else np.zeros(0, object)
    for timezone in sorted(set(tz_of.tolist())):
        mine = np.flatnonzero(tz_of == timezone)
        weekday, clock = local_clock(timezone, time_us[mine])
        c = which[mine]
        s, e, mask = starts[c], ends[c], weekday_masks[c]
        today = (mask >> weekday) & 1 == 1
        yesterday = (mask >> ((weekday - 1) % 7)) & 1 == 1
        same_day = today & (s <= clock) & (clock < e)
        overnight = np.where(clock >= s, today, (clock < e) & yesterday)
        out[mine] = np.where(s <= e, same_day, overnight)
    return out


def curfew_arrays(curfews: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """CurfewSpecs -> (weekday masks, starts, ends, timezones) for `curfews_active`."""
    masks = np.array(
        [sum(1 << d for d in set(c.weekdays) if 0 <= d <= 6) for c in curfews], dtype=np.int64
    )
    starts = np.array([_micros_of_day(c.start) for c in curfews], dtype=np.int64)
    ends = np.array([_micros_of_day(c.end) for c in curfews], dtype=np.int64)
    return masks, starts, ends, [c.timezone for c in curfews]
