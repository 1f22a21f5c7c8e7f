"""PostgreSQL's binary COPY format, built with numpy: one encoder for every bulk writer.

Rows that are fixed-width (their null pattern and text lengths known) become one numpy record
array and then `bytes`, without a Python loop per row; the server then parses no text at all.
Callers map their own columns onto fields (telemetry's positions, scheduling's booked
appointments). Field types must match the table's exactly (bigint = ">i8", integer = ">i4",
smallint = ">i2", float8 = ">f8", boolean = "u1", date = days and timestamptz = microseconds
since 2000-01-01 UTC, text = its UTF-8 bytes); a mismatch makes the COPY fail, it never writes
wrong values.

Format: https://www.postgresql.org/docs/current/sql-copy.html (binary): a signature and
header, then per row an int16 field count and per field an int32 length (-1 = NULL) and the
value in network byte order, then a trailer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
PG_EPOCH_UNIX_S = 946_684_800  # 2000-01-01T00:00:00Z in Unix seconds
PG_EPOCH_US = PG_EPOCH_UNIX_S * 1_000_000
PG_EPOCH_ORDINAL = date(2000, 1, 1).toordinal()

NULL = "null"
"""The dtype of a field that is NULL in every row."""

CopyField = tuple[str, Any]
"""(numpy dtype in network byte order, values): an array with one value per row or one value
for every row. The dtype "" is a zero-length value (an empty text), NULL a NULL."""


def copy_text(text: str) -> CopyField:
    """A text (varchar) field with the same value in every row."""
    raw = text.encode()
    return (f"S{len(raw)}", raw) if raw else ("", None)


def copy_timestamps(unix_seconds: Any) -> Any:
    """Unix seconds (UTC) as COPY timestamptz values."""
    return (np.asarray(unix_seconds, dtype=np.int64) - PG_EPOCH_UNIX_S) * 1_000_000


def copy_dates(ordinals: Any) -> Any:
    """Proleptic Gregorian ordinals (date.toordinal()) as COPY date values."""
    return np.asarray(ordinals, dtype=np.int64) - PG_EPOCH_ORDINAL


def copy_records(rows: int, fields: Sequence[CopyField]) -> bytes:
    """`rows` rows of `fields`, without the signature or the trailer (a payload may be written
    in several parts between one SIGNATURE and one TRAILER)."""
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for i, (dtype, _value) in enumerate(fields):
        layout.append((f"len{i}", ">i4"))
        if dtype not in ("", NULL):
            layout.append((f"f{i}", dtype))
    records = np.zeros(rows, dtype=np.dtype(layout))
    records["count"] = len(fields)
    for i, (dtype, value) in enumerate(fields):
        if dtype == NULL:
            records[f"len{i}"] = -1
        elif dtype == "":
            records[f"len{i}"] = 0
        else:
            records[f"len{i}"] = np.dtype(dtype).itemsize
            records[f"f{i}"] = value
    return records.tobytes()
