"""Scheduler-booked appointment rows in PostgreSQL's binary COPY format (core.pgcopy).

A scheduler run writes hundreds of thousands of rows that differ only in numbers and dates, so
each row is a fixed-width record (one record layout per appointment kind, since the kind's
text is the only variable-width field) and a whole run becomes one `bytes` without a Python
loop over rows. The columns must match the table's types exactly (bigint keys, integer slot,
date, timestamptz, boolean, varchar)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from atd.core.pgcopy import (
    SIGNATURE,
    TRAILER,
    CopyField,
    copy_dates,
    copy_records,
    copy_text,
    copy_timestamps,
)

__all__ = ["SIGNATURE", "TRAILER", "BookedRows", "encode"]


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


def encode(rows: BookedRows) -> bytes:
    """The records (no signature or trailer) of `rows` in `scheduler._COLUMNS` order."""
    stamp = int(copy_timestamps(int(rows.now.astimezone(UTC).timestamp())))
    fields: list[CopyField] = [
        (">i8", rows.participant),
        (">i8", rows.office_id),
        copy_text(rows.kind),
        copy_text(rows.status),
        (">i4", copy_dates(rows.day)),
        (">i4", rows.slot),
        (">i8", copy_timestamps(rows.starts)),
        (">i4", copy_dates(rows.due)),
        (">i4", copy_dates(rows.deadline)),
        ("u1", np.asarray(rows.late, dtype=np.uint8)),
        copy_text(rows.booked_by),
        (">i4", 0),
        copy_text(""),  # cancel_reason
        (">i8", stamp),
        (">i8", stamp),
    ]
    return copy_records(len(rows), fields)
