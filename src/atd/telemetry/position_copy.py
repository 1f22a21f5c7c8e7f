"""Position rows in PostgreSQL's binary COPY format (core.pgcopy), from a batch's columns.

A row is fixed-width once its null pattern is known, so the rows of a batch are grouped by
which optional fields they carry (usually one or two groups) and each group becomes one
numpy record array -> bytes, without a Python loop per row; the server parses no text. Rows
with `attributes` (variable-width jsonb) are packed one by one; they are rare (OsmAnd extras).
Column types must match the table's exactly (bigint ids and seq, timestamptz, float8,
smallint battery and flags, jsonb); a mismatch fails the COPY, it never writes wrong values.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from atd.core.pgcopy import NULL, PG_EPOCH_US, SIGNATURE, TRAILER, CopyField, copy_records
from atd.telemetry.rules.columns import FixColumns

# The table's columns in COPY order (store.COLUMNS), each with its binary type.
FIELDS: tuple[tuple[str, str], ...] = (
    ("device_id", ">i8"),
    ("participant_id", ">i8"),
    ("fix_time", ">i8"),
    ("received_at", ">i8"),
    ("seq", ">i8"),
    ("lat", ">f8"),
    ("lon", ">f8"),
    ("accuracy_m", ">f8"),
    ("speed_mps", ">f8"),
    ("bearing", ">f8"),
    ("altitude_m", ">f8"),
    ("battery", ">i2"),
    ("flags", ">i2"),
    ("attributes", "jsonb"),
)
_OPTIONAL = ("seq", "accuracy_m", "speed_mps", "bearing", "altitude_m", "battery")


def _values(columns: FixColumns, received_us: int) -> dict[str, Any]:
    return {
        "device_id": columns.device_id,
        "participant_id": columns.participant_id,
        "fix_time": columns.time_us - PG_EPOCH_US,
        "received_at": received_us - PG_EPOCH_US,
        "seq": columns.seq,
        "lat": columns.lat,
        "lon": columns.lon,
        "accuracy_m": columns.accuracy,
        "speed_mps": columns.speed,
        "bearing": columns.bearing,
        "altitude_m": columns.altitude,
        "battery": np.nan_to_num(columns.battery, nan=0.0).astype(np.int16),
        "flags": columns.flags,
    }


def _nulls(columns: FixColumns) -> dict[str, np.ndarray]:
    return {
        "seq": columns.seq_null,
        "accuracy_m": np.isnan(columns.accuracy),
        "speed_mps": np.isnan(columns.speed),
        "bearing": np.isnan(columns.bearing),
        "altitude_m": np.isnan(columns.altitude),
        "battery": np.isnan(columns.battery),
    }


def positions_binary(
    columns: FixColumns, received_us: int, *, with_index: bool = False, json_dumps: Any = None
) -> bytes:
    """The whole COPY payload (signature, rows, trailer). `with_index` appends an int4 `ix`
    (the row's position in `columns`) for the staging table."""
    n = len(columns)
    values = _values(columns, received_us)
    nulls = _nulls(columns)
    has_attributes = np.fromiter((a is not None for a in columns.attributes), bool, n)
    pattern = np.zeros(n, dtype=np.int64)
    for bit, name in enumerate(_OPTIONAL):
        pattern |= nulls[name].astype(np.int64) << bit
    pattern[has_attributes] = -1
    parts = [SIGNATURE]
    for code in np.unique(pattern).tolist():
        rows = np.flatnonzero(pattern == code)
        if code == -1:
            parts.append(
                _rows_with_attributes(values, nulls, columns, rows, with_index, json_dumps)
            )
            continue
        absent = {name for bit, name in enumerate(_OPTIONAL) if code >> bit & 1}
        fields: list[CopyField] = []
        for name, kind in FIELDS:
            if kind == "jsonb" or name in absent:
                fields.append((NULL, None))
                continue
            value = values[name]
            fields.append((kind, value[rows] if np.ndim(value) else value))
        if with_index:
            fields.append((">i4", rows))
        parts.append(copy_records(len(rows), fields))
    parts.append(TRAILER)
    return b"".join(parts)


def _rows_with_attributes(
    values: dict[str, Any],
    nulls: dict[str, np.ndarray],
    columns: FixColumns,
    rows: np.ndarray,
    with_index: bool,
    json_dumps: Any,
) -> bytes:
    import json

    dumps = json_dumps or (lambda v: json.dumps(v).encode())
    out = bytearray()
    count = len(FIELDS) + (1 if with_index else 0)
    for r in rows.tolist():
        out += struct.pack(">h", count)
        for name, kind in FIELDS:
            if kind == "jsonb":
                body = b"\x01" + dumps(columns.attributes[r])
                out += struct.pack(">i", len(body)) + body
                continue
            if name in nulls and nulls[name][r]:
                out += struct.pack(">i", -1)
                continue
            value = values[name]
            scalar = value[r] if np.ndim(value) else value
            out += struct.pack(">i", np.dtype(kind).itemsize)
            out += np.asarray(scalar, dtype=kind).tobytes()
        if with_index:
            out += struct.pack(">ii", 4, r)
    return bytes(out)
