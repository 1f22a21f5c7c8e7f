"""Bulk writes of positions and device events, idempotent by their unique keys.

PostgreSQL: COPY into a per-connection temporary table, then one INSERT ... SELECT ... ON
CONFLICT DO NOTHING RETURNING the keys that were new. COPY is the fastest way in; the conflict
clause makes a resend or redelivery change nothing even when two workers race on the same
record. SQLite (one writer at a time): read the keys already stored in the batch's time range,
then executemany INSERT OR IGNORE.

SQL here is built only from constant table and column names (hence the S608 noqa marks);
values always travel as parameters or through COPY.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import psycopg
from django.db import connection, transaction

from atd.telemetry.models import DeviceEvent, Position
from atd.telemetry.rules.records import Event, Fix

POSITION_TABLE = Position._meta.db_table
COLUMNS = (
    "device_id",
    "participant_id",
    "fix_time",
    "received_at",
    "seq",
    "lat",
    "lon",
    "accuracy_m",
    "speed_mps",
    "bearing",
    "altitude_m",
    "battery",
    "flags",
    "attributes",
)
_STAGE = "telemetry_position_stage"
_STAGE_DDL = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (
    device_id bigint, participant_id bigint, fix_time timestamptz, received_at timestamptz,
    seq bigint, lat double precision, lon double precision, accuracy_m double precision,
    speed_mps double precision, bearing double precision, altitude_m double precision,
    battery smallint, flags smallint, attributes jsonb, ix integer
) ON COMMIT DELETE ROWS
"""


def _row(fix: Fix, received_at: datetime) -> tuple:
    return (
        fix.device_id,
        fix.participant_id,
        fix.time,
        received_at,
        fix.seq,
        fix.lat,
        fix.lon,
        fix.accuracy,
        fix.speed,
        fix.bearing,
        fix.altitude,
        fix.battery,
        fix.flags,
        json.dumps(fix.attributes) if fix.attributes else None,
    )


def positions_store(fixes: Sequence[Fix], received_at: datetime) -> list[Fix]:
    """Writes the fixes; returns those that were new (the rest were already stored)."""
    if not fixes:
        return []
    if connection.vendor == "postgresql":
        return _store_postgres(fixes, received_at)
    return _store_sqlite(fixes, received_at)


def _store_postgres(fixes: Sequence[Fix], received_at: datetime) -> list[Fix]:
    cols = ", ".join(COLUMNS)
    raw = connection.connection  # the psycopg 3 connection inside Django's transaction
    # Fast path: fresh data (the usual case) is COPied straight into the table inside a
    # savepoint. If any row was stored before, the unique key rejects the whole COPY; the
    # savepoint is rolled back and the batch takes the staged path below, which sorts new
    # from old. Either way the unique constraint, not a check, decides.
    try:
        with transaction.atomic(), raw.cursor() as cur:
            with cur.copy(f"COPY {POSITION_TABLE} ({cols}) FROM STDIN") as copy:
                for fix in fixes:
                    copy.write_row(_row(fix, received_at))
        return list(fixes)
    except psycopg.errors.UniqueViolation:
        pass
    with raw.cursor() as cur:
        cur.execute(_STAGE_DDL)
        cur.execute(f"TRUNCATE {_STAGE}")
        with cur.copy(f"COPY {_STAGE} ({cols}, ix) FROM STDIN") as copy:
            for i, fix in enumerate(fixes):
                copy.write_row((*_row(fix, received_at), i))
        # One statement: insert what is new, and answer the batch positions of what was not
        # (usually none; an anti-join against the RETURNING set, so it is exact even when the
        # same batch is replayed within one transaction).
        cur.execute(
            f"WITH ins AS (INSERT INTO {POSITION_TABLE} ({cols}, keep) "  # noqa: S608
            f"SELECT {cols}, false FROM {_STAGE} ON CONFLICT DO NOTHING "
            "RETURNING device_id, fix_time) "
            f"SELECT s.ix FROM {_STAGE} s WHERE NOT EXISTS (SELECT 1 FROM ins "
            "WHERE ins.device_id = s.device_id AND ins.fix_time = s.fix_time)"
        )
        old = {r[0] for r in cur.fetchall()}
    if not old:
        return list(fixes)
    return [f for i, f in enumerate(fixes) if i not in old]


def rows_upsert(
    table: str,
    columns: Sequence[str],
    key: str,
    rows: Sequence[tuple],
    *,
    only_if_newer: str | None = None,
) -> None:
    """Insert-or-update many rows by one unique column, in one statement. On PostgreSQL the
    rows go in by COPY into a temporary copy of the table. `only_if_newer` names a column that
    must grow for an existing row to be replaced (late data never moves a last position back)."""
    if not rows:
        return
    cols = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    guard = f" WHERE excluded.{only_if_newer} > {table}.{only_if_newer}" if only_if_newer else ""
    if connection.vendor == "postgresql":
        stage = f"{table}_stage"
        with connection.connection.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            cur.execute(f"TRUNCATE {stage}")
            with cur.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
            cur.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} "  # noqa: S608
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}{guard}"
            )
        return
    marks = ", ".join(["%s"] * len(columns))
    converted = [tuple(_sqlite_time(v) if isinstance(v, datetime) else v for v in r) for r in rows]
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}{guard}",
            converted,
        )


def _sqlite_time(moment: datetime) -> str:
    # The text form Django's SQLite backend writes for an aware datetime (naive UTC, str()).
    return str(moment.astimezone(UTC).replace(tzinfo=None))


def _store_sqlite(fixes: Sequence[Fix], received_at: datetime) -> list[Fix]:
    existing: set[tuple[int, str]] = set()
    device_ids = sorted({f.device_id for f in fixes})
    low = _sqlite_time(min(f.time for f in fixes))
    high = _sqlite_time(max(f.time for f in fixes))
    with connection.cursor() as cur:
        for start in range(0, len(device_ids), 500):
            chunk = device_ids[start : start + 500]
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(
                f"SELECT device_id, fix_time FROM {POSITION_TABLE} "  # noqa: S608
                f"WHERE device_id IN ({marks}) AND fix_time >= %s AND fix_time <= %s",
                [*chunk, low, high],
            )
            existing.update(
                (d, t if isinstance(t, str) else _sqlite_time(t)) for d, t in cur.fetchall()
            )
        fresh: list[Fix] = []
        rows = []
        seen: set[tuple[int, str]] = set()
        received = _sqlite_time(received_at)
        for fix in fixes:
            key = (fix.device_id, _sqlite_time(fix.time))
            if key in existing or key in seen:
                continue
            seen.add(key)
            fresh.append(fix)
            row = list(_row(fix, received_at))
            row[2] = key[1]
            row[3] = received
            rows.append(row)
        if rows:
            cols = ", ".join(COLUMNS)
            marks = ", ".join(["%s"] * (len(COLUMNS) + 1))
            cur.executemany(
                f"INSERT OR IGNORE INTO {POSITION_TABLE} ({cols}, keep) VALUES ({marks})",  # noqa: S608
                [[*r, False] for r in rows],
            )
    return fresh


def positions_copy_raw(rows: Sequence[tuple]) -> None:
    """The benchmark's baseline: the same rows straight into the table (COPY on PostgreSQL,
    executemany on SQLite) with no pipeline around them."""
    cols = ", ".join(COLUMNS)
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cur:
            with cur.copy(f"COPY {POSITION_TABLE} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(COLUMNS))
    sqlite_rows = [(r[0], r[1], _sqlite_time(r[2]), _sqlite_time(r[3]), *r[4:]) for r in rows]
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {POSITION_TABLE} ({cols}) VALUES ({marks})", sqlite_rows)  # noqa: S608


def events_store(events: Sequence[Event], received_at: datetime) -> list[Event]:
    """Device events are few: the ORM is fast enough. Returns the events that were new."""
    if not events:
        return []
    device_ids = {e.device_id for e in events}
    low = min(e.time for e in events)
    high = max(e.time for e in events)
    existing = set(
        DeviceEvent.objects.filter(
            device_id__in=device_ids, occurred_at__gte=low, occurred_at__lte=high
        ).values_list("device_id", "kind", "occurred_at")
    )
    fresh = [e for e in events if (e.device_id, e.kind, e.time) not in existing]
    DeviceEvent.objects.bulk_create(
        [
            DeviceEvent(
                device_id=e.device_id,
                participant_id=e.participant_id,
                kind=e.kind,
                occurred_at=e.time,
                received_at=received_at,
                seq=e.seq,
                value=e.value,
                lat=e.lat,
                lon=e.lon,
                attributes=e.attributes,
            )
            for e in fresh
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return fresh
