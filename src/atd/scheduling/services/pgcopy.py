"""PostgreSQL's binary COPY format for scheduler-booked appointment rows, built with numpy.

A scheduler run writes hundreds of thousands of rows that differ only in numbers and dates, so
each row is a fixed-width record (one record layout per appointment kind, since the kind's
text is the only variable-width field) and a whole run becomes one `bytes` without a Python
loop over rows. The server then parses no text at all. Column types must match the table's
exactly (bigint keys, integer slot, date, timestamptz, boolean, varchar); a mismatch makes the
COPY fail, never write wrong values.

Format: https://www.postgresql.org/docs/current/sql-copy.html (binary format): a signature
and header, then per row an int16 field count and for each field an int32 length and the
value in network byte order; dates are days and timestamps microseconds since 2000-01-01."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_PG_EPOCH_ORDINAL = date(2000, 1, 1).toordinal()
_PG_EPOCH_UNIX = 946_684_800  # 2000-01-01T00:00:00Z in Unix seconds


@dataclass(frozen=True)
class BookedRows:
    """Rows to write, as parallel arrays: dates as proleptic ordinals, `starts` as Unix
    seconds (UTC), `kind` as the kind's text for all rows of one group."""

    participant: Any
    office_id: Any  # one office, or an array
    kind: str
    status: str
    day: Any
    slot: Any
    starts: Any
    due: Any
    deadline: Any
    late: Any
    booked_by: str
    now: datetime

    def __len__(self) -> int:
        return int(self.participant.shape[0])

    def slice(self, lo: int, hi: int) -> BookedRows:
        return replace(
            self,
            participant=self.participant[lo:hi],
            office_id=self.office_id[lo:hi] if np.ndim(self.office_id) else self.office_id,
            day=self.day[lo:hi],
            slot=self.slot[lo:hi],
            starts=self.starts[lo:hi],
            due=self.due[lo:hi],
            deadline=self.deadline[lo:hi],
            late=self.late[lo:hi],
        )


def _micros(unix_seconds: Any) -> Any:
    return (np.asarray(unix_seconds, dtype=np.int64) - _PG_EPOCH_UNIX) * 1_000_000


def _days(ordinals: Any) -> Any:
    return np.asarray(ordinals, dtype=np.int64) - _PG_EPOCH_ORDINAL


def encode(rows: BookedRows) -> bytes:
    """The records (no signature or trailer) of `rows` in `scheduler._COLUMNS` order."""
    kind = rows.kind.encode()
    status = rows.status.encode()
    booked_by = rows.booked_by.encode()
    stamp = int(_micros(int(rows.now.astimezone(UTC).timestamp())))
    # (length, dtype, value) per column; cancel_reason is an empty string (length 0).
    fields: list[tuple[int, str, Any]] = [
        (8, ">i8", rows.participant),
        (8, ">i8", rows.office_id),
        (len(kind), f"S{len(kind)}", kind),
        (len(status), f"S{len(status)}", status),
        (4, ">i4", _days(rows.day)),
        (4, ">i4", rows.slot),
        (8, ">i8", _micros(rows.starts)),
        (4, ">i4", _days(rows.due)),
        (4, ">i4", _days(rows.deadline)),
        (1, "u1", np.asarray(rows.late, dtype=np.uint8)),
        (len(booked_by), f"S{len(booked_by)}", booked_by),
        (4, ">i4", 0),
        (0, "", None),
        (8, ">i8", stamp),
        (8, ">i8", stamp),
    ]
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for i, (length, dtype, _value) in enumerate(fields):
        layout.append((f"len{i}", ">i4"))
        if length:
            layout.append((f"f{i}", dtype))
    records = np.zeros(len(rows), dtype=np.dtype(layout))
    records["count"] = len(fields)
    for i, (length, _dtype, value) in enumerate(fields):
        records[f"len{i}"] = length
        if length:
            records[f"f{i}"] = value
    return records.tobytes()
