"""Bulk writes of positions and device events, idempotent by their unique keys.

PostgreSQL: binary COPY (position_copy) straight into the table in a savepoint; when the unique
key rejects it (something was stored before), COPY into a per-connection temporary table, then
one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING the keys that were new. The conflict
clause makes a resend or redelivery change nothing even when two workers race on the same
record. SQLite (one writer at a time): read the keys already stored in the batch's time range,
then executemany INSERT OR IGNORE.

SQL here is built only from constant table and column names (hence the S608 noqa marks);
values always travel as parameters or through COPY.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import psycopg
from django.db import connection, transaction
from psycopg.types.datetime import TimestamptzLoader

from atd.telemetry.models import DeviceEvent, Position
from atd.telemetry.position_copy import positions_binary
from atd.telemetry.rules.columns import FixColumns, micros_of, moment_of
from atd.telemetry.rules.records import Event

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


def positions_store(columns: FixColumns, received_at: datetime) -> np.ndarray:
    """Writes the fixes; returns a mask of those that were new (the rest were stored before)."""
    if not len(columns):
        return np.zeros(0, dtype=bool)
    if connection.vendor == "postgresql":
        return _store_postgres(columns, received_at)
    return _store_sqlite(columns, received_at)


def _store_postgres(columns: FixColumns, received_at: datetime) -> np.ndarray:
    cols = ", ".join(COLUMNS)
    raw = connection.connection  # the psycopg 3 connection inside Django's transaction
    received_us = micros_of(received_at)
    # Fast path: fresh data (the usual case) is COPied straight into the table inside a
    # savepoint, in binary. If any row was stored before, the unique key rejects the whole
    # COPY; the savepoint is rolled back and the batch takes the staged path below, which
    # sorts new from old. Either way the unique constraint, not a check, decides.
    try:
        with transaction.atomic(), raw.cursor() as cur:
            with cur.copy(f"COPY {POSITION_TABLE} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(positions_binary(columns, received_us, json_dumps=orjson.dumps))
        return np.ones(len(columns), dtype=bool)
    except psycopg.errors.UniqueViolation:
        pass
    with raw.cursor() as cur:
        cur.execute(_STAGE_DDL)
        cur.execute(f"TRUNCATE {_STAGE}")
        with cur.copy(f"COPY {_STAGE} ({cols}, ix) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(
                positions_binary(columns, received_us, with_index=True, json_dumps=orjson.dumps)
            )
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
        old = [r[0] for r in cur.fetchall()]
    new = np.ones(len(columns), dtype=bool)
    new[np.asarray(old, dtype=np.int64)] = False
    return new


def rows_by_key(
    model: Any,
    columns: Sequence[str],
    key: str,
    values: Collection[Any],
    *,
    for_update: bool = False,
) -> list[tuple]:
    """Rows of `model` whose `key` is one of `values`. On PostgreSQL one `= ANY(array)`
    parameter: an IN list of 1,000 placeholders costs several times more to send and plan.
    `for_update` (PostgreSQL) locks the rows in key order until the transaction ends, so two
    workers given batches of the same device take turns (in one order: no deadlock) instead
    of both updating from the same stale row; SQLite has one writer at a time anyway."""
    if not values:
        return []
    if connection.vendor != "postgresql":
        return list(model.objects.filter(**{f"{key}__in": list(values)}).values_list(*columns))
    meta = model._meta
    cols = ", ".join(str(meta.get_field(c).column) for c in columns)
    key_column = meta.get_field(key).column
    lock = f" ORDER BY {key_column} FOR UPDATE" if for_update else ""
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        # psycopg's own (C) timestamptz loader: Django's, registered on the connection for
        # its time zone handling, is pure Python and cost ~4 us per value here (two per
        # device state row). The session time zone is UTC, so both give the same aware value.
        cur.adapters.register_loader("timestamptz", TimestamptzLoader)
        cur.execute(
            f"SELECT {cols} FROM {meta.db_table} "  # noqa: S608
            f"WHERE {key_column} = ANY(%s){lock}",
            [list(values)],
        )
        return cur.fetchall()


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
                # in key order, so concurrent workers lock shared rows in one order
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} "  # noqa: S608
                f"ORDER BY {key} ON CONFLICT ({key}) DO UPDATE SET {updates}{guard}"
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


def _sqlite_times(time_us: np.ndarray) -> list[str]:
    """`_sqlite_time` of every value at once: str() of the naive UTC datetime, which leaves
    out the fraction when it is zero (and Django's queries compare these strings)."""
    moments = time_us.astype("datetime64[us]")
    text = np.where(
        time_us % 1_000_000 == 0,
        np.datetime_as_string(moments, unit="s"),
        np.datetime_as_string(moments, unit="us"),
    )
    return [t.replace("T", " ") for t in text.tolist()]


def _nullable(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]  # NaN is not equal to itself


def _store_sqlite(columns: FixColumns, received_at: datetime) -> np.ndarray:
    existing: set[tuple[int, str]] = set()
    device_ids = sorted(set(columns.device_id.tolist()))
    low = _sqlite_time(moment_of(int(columns.time_us.min())))
    high = _sqlite_time(moment_of(int(columns.time_us.max())))
    new = np.zeros(len(columns), dtype=bool)
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
        devices = columns.device_id.tolist()
        times = _sqlite_times(columns.time_us)
        for i, key in enumerate(zip(devices, times, strict=True)):
            if key not in existing:
                existing.add(key)  # a repeat within the batch is not new either
                new[i] = True
        if new.any():
            if not new.all():
                kept = np.flatnonzero(new).tolist()
                columns, devices, times = (
                    columns.take(new),
                    [devices[i] for i in kept],
                    [times[i] for i in kept],
                )
            n = len(columns)
            # Column by column (store.COLUMNS order, then `keep`), not one Fix per row.
            rows = zip(
                devices,
                columns.participant_id.tolist(),
                times,
                [_sqlite_time(received_at)] * n,
                [
                    None if null else q
                    for q, null in zip(columns.seq.tolist(), columns.seq_null.tolist(), strict=True)
                ],
                columns.lat.tolist(),
                columns.lon.tolist(),
                _nullable(columns.accuracy),
                _nullable(columns.speed),
                _nullable(columns.bearing),
                _nullable(columns.altitude),
                [None if b != b else int(b) for b in columns.battery.tolist()],
                columns.flags.tolist(),
                [json.dumps(a) if a else None for a in columns.attributes],
                [False] * n,
                strict=True,
            )
            cols = ", ".join(COLUMNS)
            marks = ", ".join(["%s"] * (len(COLUMNS) + 1))
            cur.executemany(
                f"INSERT OR IGNORE INTO {POSITION_TABLE} ({cols}, keep) VALUES ({marks})",  # noqa: S608
                list(rows),
            )
    return new


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


def positions_copy_raw_binary(payload: bytes) -> None:
    """The fastest raw baseline on PostgreSQL: a prebuilt binary COPY payload, as is."""
    cols = ", ".join(COLUMNS)
    with connection.connection.cursor() as cur:
        with cur.copy(f"COPY {POSITION_TABLE} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(payload)


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


def positions_keep(keys: Iterable[tuple[int, datetime]]) -> None:
    """Marks positions cited by an alert so the retention purge keeps them (same transaction
    as the alert; no audit entry of its own: the alert's raise is the change)."""
    by_device: dict[int, list[datetime]] = {}
    for device_id, moment in keys:
        by_device.setdefault(device_id, []).append(moment)
    for device_id, moments in by_device.items():
        Position.objects.filter(device_id=device_id, fix_time__in=moments).update(keep=True)
