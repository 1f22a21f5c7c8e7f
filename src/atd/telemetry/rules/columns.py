"""A batch's fixes as columns (one numpy array per field), decoded and checked in bulk.

The pipeline handles tens of thousands of fixes per second; one Python object per fix and a
Python loop per step cost more than the database. Records whose values have the plain types a
device sends (numbers as JSON numbers, the time as an ISO 8601 string or integer epoch) are
decoded column by column; any other record goes through `record_decode`, the per-record
reference, so every rejection keeps its exact reason. Absent values: NaN for floats,
`seq_null` for seq, -1 for charging.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np

from atd.telemetry.rules.records import Fix, RecordProblem
from atd.telemetry.rules.storable import text_storable

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# Keys a plain fix may carry to take the bulk path (anything else: per-record reference).
BULK_KEYS = frozenset(
    {"device", "key", "seq", "time", "lat", "lon", "accuracy", "speed", "bearing", "altitude"}
    | {"battery", "charging"}
)
_NUMBER = frozenset({float, int})
_MAX_EPOCH = 10_000_000_000_000  # integer epochs above this (ms ~ year 2286) take the slow path
_INT64 = 2**63
_DAYS, _SECONDS, _MICROS = attrgetter("days"), attrgetter("seconds"), attrgetter("microseconds")


@dataclass
class FixColumns:
    index: np.ndarray  # int64: position in the submitted batch
    device_id: np.ndarray  # int64
    participant_id: np.ndarray  # int64
    time_us: np.ndarray  # int64: microseconds since the Unix epoch, UTC
    lat: np.ndarray  # float64
    lon: np.ndarray
    seq: np.ndarray  # int64
    seq_null: np.ndarray  # bool
    accuracy: np.ndarray  # float64, NaN = absent
    speed: np.ndarray
    bearing: np.ndarray
    altitude: np.ndarray
    battery: np.ndarray  # float64 (truncated to an integer percentage), NaN = absent
    charging: np.ndarray  # int8: -1 absent, 0, 1
    flags: np.ndarray  # int16
    attributes: list[dict[str, Any] | None]
    serial: list[str]
    secret: list[str | None]

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def take(self, where: np.ndarray) -> FixColumns:
        """The rows selected by a boolean mask or an index array, in that order."""
        picked = np.flatnonzero(where) if where.dtype == bool else where
        rows = picked.tolist()
        values: dict[str, Any] = {}
        for f in fields(self):
            column = getattr(self, f.name)
            if isinstance(column, np.ndarray):
                values[f.name] = column[picked]
            else:
                values[f.name] = list(map(column.__getitem__, rows))
        return FixColumns(**values)

    def time_of(self, i: int) -> datetime:
        return moment_of(int(self.time_us[i]))

    def fix(self, i: int) -> Fix:
        """Row i as a Fix (for evidence and other per-record uses)."""
        return Fix(
            int(self.index[i]),
            self.serial[i],
            None,
            self.time_of(i),
            float(self.lat[i]),
            float(self.lon[i]),
            None if self.seq_null[i] else int(self.seq[i]),
            _opt(self.accuracy[i]),
            _opt(self.speed[i]),
            _opt(self.bearing[i]),
            _opt(self.altitude[i]),
            None if math.isnan(self.battery[i]) else int(self.battery[i]),
            None if self.charging[i] < 0 else bool(self.charging[i]),
            self.attributes[i],
            int(self.device_id[i]),
            int(self.participant_id[i]),
            int(self.flags[i]),
        )


def _opt(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def moment_of(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def micros_of(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def columns_empty() -> FixColumns:
    return columns_from_fixes([])


def columns_from_fixes(fixes: Sequence[Fix]) -> FixColumns:
    """Fixes decoded one by one (the reference path) as columns."""
    n = len(fixes)

    def floats(values: Any) -> np.ndarray:
        return np.fromiter(
            (math.nan if v is None else v for v in values), dtype=np.float64, count=n
        )

    return FixColumns(
        index=np.fromiter((f.index for f in fixes), dtype=np.int64, count=n),
        device_id=np.fromiter((f.device_id for f in fixes), dtype=np.int64, count=n),
        participant_id=np.fromiter((f.participant_id for f in fixes), dtype=np.int64, count=n),
        time_us=np.fromiter((micros_of(f.time) for f in fixes), dtype=np.int64, count=n),
        lat=floats(f.lat for f in fixes),
        lon=floats(f.lon for f in fixes),
        seq=np.fromiter((f.seq or 0 for f in fixes), dtype=np.int64, count=n),
        seq_null=np.fromiter((f.seq is None for f in fixes), dtype=bool, count=n),
        accuracy=floats(f.accuracy for f in fixes),
        speed=floats(f.speed for f in fixes),
        bearing=floats(f.bearing for f in fixes),
        altitude=floats(f.altitude for f in fixes),
        battery=floats(f.battery for f in fixes),
        charging=np.fromiter(
            (-1 if f.charging is None else int(f.charging) for f in fixes), dtype=np.int8, count=n
        ),
        flags=np.fromiter((f.flags for f in fixes), dtype=np.int16, count=n),
        attributes=[f.attributes for f in fixes],
        serial=[f.serial for f in fixes],
        secret=[f.secret for f in fixes],
    )


def columns_concat(parts: Sequence[FixColumns]) -> FixColumns:
    values: dict[str, Any] = {}
    for f in fields(FixColumns):
        columns = [getattr(p, f.name) for p in parts]
        if isinstance(columns[0], np.ndarray):
            values[f.name] = np.concatenate(columns)
        else:
            values[f.name] = [v for c in columns for v in c]
    return FixColumns(**values)


def _bulk_floats(values: list[Any], ok: np.ndarray, *, required: bool = False) -> np.ndarray:
    """Numbers (or None) -> float64 with NaN for None; clears `ok` where a value is not a
    plain finite number (those records take the reference path, which names the problem)."""
    kinds = set(map(type, values))
    allowed = kinds <= _NUMBER if required else kinds <= _NUMBER | {type(None)}
    if not allowed:
        good = _NUMBER if required else _NUMBER | {type(None)}
        mask = np.fromiter((type(v) in good for v in values), dtype=bool, count=len(values))
        ok &= mask
        values = [v if m else None for v, m in zip(values, mask.tolist(), strict=True)]
    try:
        out = np.array(values, dtype=np.float64)
    except OverflowError:  # an integer beyond float range: the reference path says so
        out = np.fromiter((_float_or_nan(v) for v in values), dtype=np.float64, count=len(values))
        ok &= ~np.isnan(out) | np.fromiter((v is None for v in values), bool, len(values))
    if out.dtype != np.float64 or out.ndim != 1:
        raise ValueError("not a column of numbers")
    bad = ~np.isfinite(out)
    if bad.any():
        # NaN from None is an absent value; NaN or infinity sent as a number is a problem.
        if required:
            ok &= ~bad
        elif int(bad.sum()) != values.count(None):
            for i in np.flatnonzero(bad).tolist():
                if values[i] is not None:
                    ok[i] = False
    return out


def _float_or_nan(value: Any) -> float:
    try:
        return float(value) if value is not None else math.nan
    except OverflowError:
        return math.nan


def _bulk_times(values: list[Any], ok: np.ndarray) -> np.ndarray:
    """ISO 8601 strings (a time without offset is UTC) or integer epoch s/ms -> microseconds.
    All aware ISO strings (the usual batch) are parsed and converted in C."""
    n = len(values)
    if n and set(map(type, values)) <= {str}:
        try:
            # aware - aware; a naive moment raises TypeError and takes the loop below
            since = list(map(operator.sub, map(datetime.fromisoformat, values), repeat(_EPOCH, n)))
        except (ValueError, TypeError):
            since = []
        if since:
            days = np.fromiter(map(_DAYS, since), np.int64, n)
            seconds = np.fromiter(map(_SECONDS, since), np.int64, n)
            micros = np.fromiter(map(_MICROS, since), np.int64, n)
            return (days * 86_400 + seconds) * 1_000_000 + micros
    out = np.zeros(len(values), dtype=np.int64)
    parse = datetime.fromisoformat
    for i, value in enumerate(values):
        kind = type(value)
        if kind is str:
            try:
                moment = parse(value)
            except ValueError:
                ok[i] = False
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            out[i] = (moment - _EPOCH) // _US
        elif kind is int and 0 <= value < _MAX_EPOCH:
            out[i] = value * 1000 if value > 100_000_000_000 else value * 1_000_000
        else:
            ok[i] = False
    return out


def records_to_columns(
    records: Sequence[Any],
    serials: Sequence[str | None],
    secrets: Sequence[str | None],
    start: int = 0,
) -> tuple[FixColumns, list[int]]:
    """Plain fix records -> columns; returns the columns and the positions (within `records`)
    that must go through the per-record reference (events, unusual types, out-of-range
    coordinates, extra keys). Indexes in the columns are `start + position`."""
    n = len(records)
    if set(map(type, records)) <= {dict}:
        ok = np.fromiter(map(BULK_KEYS.issuperset, records), dtype=bool, count=n)
    else:
        ok = np.fromiter(
            (type(r) is dict and r.keys() <= BULK_KEYS for r in records), dtype=bool, count=n
        )
    if not ok.all():
        records = [r if m else {} for r, m in zip(records, ok.tolist(), strict=True)]

    def column(key: str) -> list[Any]:
        return list(map(dict.get, records, repeat(key, n)))

    own = column("device")
    if set(map(type, own)) == {str}:
        serial: list[str] = own  # every record names its device (a gateway's batch)
    else:
        serial = []
        for i, (device, default) in enumerate(zip(own, serials, strict=True)):
            if type(device) is str:
                serial.append(device)
            elif device is None and default:
                serial.append(default)
            else:
                serial.append("")
                ok[i] = False
    _unstorable_to_slow(serial, ok)
    keys = column("key")
    key_kinds = set(map(type, keys))
    if key_kinds == {str} and "" not in keys:
        secret: list[str | None] = keys
    else:
        secret = [k or s for k, s in zip(keys, secrets, strict=True)]
        if not key_kinds <= {str, type(None)}:
            ok &= np.fromiter((k is None or type(k) is str for k in keys), bool, n)
    _unstorable_to_slow(secret, ok)
    seq_raw = column("seq")
    seq_kinds = set(map(type, seq_raw))
    seq_null = np.zeros(n, dtype=bool)
    try:
        if seq_kinds != {int}:
            raise OverflowError  # not every record has a plain integer seq: check each
        seq = np.array(seq_raw, dtype=np.int64)
    except OverflowError:
        plain = [type(v) is int and -_INT64 <= v < _INT64 for v in seq_raw]
        seq_null = np.fromiter((v is None for v in seq_raw), dtype=bool, count=n)
        ok &= np.asarray(plain, dtype=bool) | seq_null
        seq = np.array([v if p else 0 for v, p in zip(seq_raw, plain, strict=True)], np.int64)
    time_us = _bulk_times(column("time"), ok)
    lat = _bulk_floats(column("lat"), ok, required=True)
    lon = _bulk_floats(column("lon"), ok, required=True)
    with np.errstate(invalid="ignore"):
        ok &= (np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0)
    accuracy = _bulk_floats(column("accuracy"), ok)
    speed = _bulk_floats(column("speed"), ok)
    bearing = _bulk_floats(column("bearing"), ok)
    altitude = _bulk_floats(column("altitude"), ok)
    battery = np.trunc(_bulk_floats(column("battery"), ok))
    charging_raw = column("charging")
    if set(map(type, charging_raw)) <= {type(None)}:
        charging = np.full(n, -1, dtype=np.int8)
    else:
        ok &= np.fromiter((v is None or type(v) is bool for v in charging_raw), bool, n)
        charging = np.fromiter(
            (-1 if type(v) is not bool else int(v) for v in charging_raw), np.int8, n
        )
    columns = FixColumns(
        index=np.arange(start, start + n, dtype=np.int64),
        device_id=np.zeros(n, dtype=np.int64),
        participant_id=np.zeros(n, dtype=np.int64),
        time_us=time_us,
        lat=lat,
        lon=lon,
        seq=seq,
        seq_null=seq_null,
        accuracy=accuracy,
        speed=speed,
        bearing=bearing,
        altitude=altitude,
        battery=battery,
        charging=charging,
        flags=np.zeros(n, dtype=np.int16),
        attributes=[None] * n,
        serial=serial,
        secret=secret,
    )
    slow = np.flatnonzero(~ok).tolist()
    if slow:
        columns = columns.take(ok)
    return columns, slow


def _unstorable_to_slow(texts: list[Any], ok: np.ndarray) -> None:
    """Clears `ok` for text with a NUL or an unpaired surrogate (the reference path refuses
    it with its reason). One check over the joined column in the usual, clean case."""
    if text_storable("".join([t for t in texts if type(t) is str])):
        return
    for i, text in enumerate(texts):
        if type(text) is str and not text_storable(text):
            ok[i] = False


def value_problems(columns: FixColumns) -> list[tuple[int, RecordProblem]]:
    """(row, problem) for ranges decode does not check, in `fix_value_problem`'s order."""
    with np.errstate(invalid="ignore"):
        bad_accuracy = columns.accuracy < 0
        bad_battery = (columns.battery < 0) | (columns.battery > 100)
        bad_speed = columns.speed < 0
    out: list[tuple[int, RecordProblem]] = []
    for i in np.flatnonzero(bad_accuracy | bad_battery | bad_speed).tolist():
        if bad_accuracy[i]:
            out.append((i, RecordProblem("bad_value", "accuracy is negative")))
        elif bad_battery[i]:
            out.append((i, RecordProblem("bad_value", "battery is a percentage")))
        else:
            out.append((i, RecordProblem("bad_value", "speed is negative")))
    return out


def first_of_each_key(device_id: np.ndarray, time_us: np.ndarray) -> np.ndarray:
    """Mask of the rows that are the first (lowest row) of their (device, time) pair."""
    n = device_id.shape[0]
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    order = np.lexsort((np.arange(n), time_us, device_id))
    d, t = device_id[order], time_us[order]
    same = (d[1:] == d[:-1]) & (t[1:] == t[:-1])
    keep[order[1:][same]] = False
    return keep


def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the runs of equal values in a sorted array."""
    if keys.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return starts, np.r_[starts[1:], keys.shape[0]].astype(np.int64)
