"""Daily range partitions of the position table on PostgreSQL (ADR 0017).

The table is partitioned by `fix_time`, one partition per UTC day
(`telemetry_position_pYYYYMMDD`), plus a default partition that takes what no day covers: a fix
older than the oldest day kept ahead, the rows retention must keep after their day was dropped
(alert evidence, legal holds), and anything that came before its day was created.

- `partitions_create_ahead` (a periodic job) makes sure every day from the oldest a device may
  still send (ATD_TELEMETRY_MAX_AGE_DAYS) to `days_ahead` days from now has its partition. A
  day created late, whose rows are already in the default partition, takes them over in the
  same transaction (move, then ATTACH), so the job never fails on rows that came first.
- `partitions_drop_expired` (called by the retention purge) handles each day entirely older
  than the cutoff: DETACH it, copy the rows that must be kept into the parent (the default
  partition takes them: that day has no partition any more), DROP it. One transaction per
  day: a run killed half-way leaves each day either whole or gone, and the next run goes on.
SQLite has no partitions: the purge keeps its batched DELETE there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction

from atd.telemetry.models import LegalHold, Position

TABLE = Position._meta.db_table
DEFAULT = f"{TABLE}_default"


def positions_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE])
        row = cur.fetchone()
    return bool(row and row[0] == "p")


def partition_name(day: date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class DayPartition:
    name: str
    day: date


def partitions_list() -> list[DayPartition]:
    """The day partitions that exist, oldest first (the default partition is not listed)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [r[0] for r in cur.fetchall()]
    prefix = f"{TABLE}_p"
    out = []
    for name in names:
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            out.append(DayPartition(name, datetime.strptime(name[len(prefix) :], "%Y%m%d").date()))  # noqa: DTZ007
    return sorted(out, key=lambda p: p.day)


def partitions_create_ahead(*, now: datetime, days_back: int, days_ahead: int = 7) -> list[str]:
    """Creates the missing day partitions in [now - days_back, now + days_ahead]; returns their
    names. Restart-safe and idempotent: an existing day is left alone."""
    if not positions_partitioned():
        return []
    existing = {p.day for p in partitions_list()}
    today = now.astimezone(UTC).date()
    created: list[str] = []
    for offset in range(-days_back, days_ahead + 1):
        day = today + timedelta(days=offset)
        if day in existing:
            continue
        name = partition_name(day)
        lo, hi = _bounds(day)
        with transaction.atomic(), connection.cursor() as cur:
            # Serialises with another scheduler replica doing the same (the loser sees it).
            cur.execute("LOCK TABLE " + TABLE + " IN SHARE ROW EXCLUSIVE MODE")  # noqa: S608
            cur.execute("SELECT to_regclass(%s)", [name])
            if cur.fetchone()[0] is not None:
                continue
            cur.execute(
                f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
            cur.execute(
                f"WITH moved AS (DELETE FROM {DEFAULT} WHERE fix_time >= %s AND fix_time < %s "  # noqa: S608
                f"RETURNING *) INSERT INTO {name} SELECT * FROM moved",
                [lo, hi],
            )
            cur.execute(
                f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                [lo, hi],
            )
        created.append(name)
    return created


def partitions_drop_expired(*, cutoff: datetime) -> tuple[int, int]:
    """Drops every day partition that ends at or before `cutoff`, keeping the rows cited as
    alert evidence or under an active legal hold (moved to the default partition). Returns
    (partitions dropped, rows dropped with them)."""
    held = LegalHold.objects.filter(released_at__isnull=True).values_list(
        "participant_id", flat=True
    )
    held_ids = sorted(set(held))
    dropped = rows = 0
    for part in partitions_list():
        if _bounds(part.day)[1] > cutoff:
            break
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {part.name}")
            cur.execute(
                f"INSERT INTO {TABLE} SELECT * FROM {part.name} "  # noqa: S608
                "WHERE keep OR participant_id = ANY(%s)",
                [held_ids],
            )
            kept = cur.rowcount
            cur.execute(f"SELECT count(*) FROM {part.name}")  # noqa: S608
            rows += int(cur.fetchone()[0]) - kept
            cur.execute(f"DROP TABLE {part.name}")
        dropped += 1
    return dropped, rows
