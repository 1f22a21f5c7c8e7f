"""Scheduling benchmark: a year of in-person check-ins for 1,000,000 participants over 200
offices, booked by the real booking service (capacity calendars with holidays, the vectorised
queue, database writes, one audit entry per office), then the backlog report for all offices.

Synthetic participants and offices are bulk-inserted straight into the bench's own database
(not timed). The demand (due check-ins from each participant's cadence, plus first reports) is
built with numpy and IS timed, as part of scheduling.

Database: PostgreSQL when it answers (a fresh database `atd_bench_scheduling` on the local
server, `ATD_BENCH_POSTGRES` to point elsewhere), else a throw-away SQLite file;
`ATD_BENCH_DB=sqlite|postgres` forces one. On PostgreSQL the run also reports the SQLite figure
at small scale (a child run of this script), before the contract line.

Baseline, measured in the same run: a raw bulk write of the same number of appointment rows
into the same table with the same indexes (COPY on PostgreSQL, executemany on SQLite: what
the database alone costs); the ratio is scheduling seconds / baseline seconds.
`BENCH_SCALE=small`: 20,000 participants, 20 offices.
Last line: `scheduling participants=<int> offices=<int> seconds=<float> horizon_report_seconds=<float>`.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SMALL = os.environ.get("BENCH_SCALE", "full") == "small"
PARTICIPANTS = 20_000 if SMALL else 1_000_000
OFFICES = 20 if SMALL else 200
TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
CADENCES = np.array([28, 56, 84])  # every 4, 8 or 12 weeks
CADENCE_WEIGHTS = np.array([0.3, 0.4, 0.3])
FIRST_REPORT_SHARE = 0.03
UNDER_CAPACITY_SHARE = 0.05  # offices staffed well below their demand
CACHE_MB = 1024
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def backend() -> str:
    forced = os.environ.get("ATD_BENCH_DB")
    if forced in ("sqlite", "postgres"):
        return forced
    sys.path.insert(0, str(ROOT / "src"))
    from atd.core.services_probe import service_answers

    return "postgres" if service_answers("postgres") else "sqlite"


def django_setup(db: str) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from _setup import bench_django

    bench_django(postgres_db="atd_bench_scheduling" if db == "postgres" else None)
    if db == "sqlite":
        from django.db import connection

        # A page cache big enough for the appointment indexes: without it SQLite re-reads
        # index pages from disk for every random participant key (about 3x slower at this
        # size). The same setting is recommended for the process that runs the scheduler
        # (docs/scheduling.md).
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size=-{CACHE_MB * 1024}")


def copy_rows(table: str, columns: str, lines: Iterator[str]) -> float:
    """PostgreSQL COPY (text format) of ready-made lines; returns the seconds spent in COPY."""
    from django.db import connection

    seconds = 0.0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        while batch := list(itertools.islice(lines, 50_000)):
            text = "".join(batch)
            t = time.perf_counter()
            copy.write(text)
            seconds += time.perf_counter() - t
        t = time.perf_counter()
    return seconds + (time.perf_counter() - t)


def seed_people() -> list[int]:
    """Offices and participants, bulk-inserted (not timed)."""
    from django.db import connection, transaction

    from atd.core.fieldcrypt import blind_index
    from atd.people.models import Office, Participant

    offices = Office.objects.bulk_create(
        Office(code=f"O{i:03d}", name=f"Office {i:03d}", timezone=TIMEZONES[i % len(TIMEZONES)])
        for i in range(OFFICES)
    )
    stamp = NOW.replace(tzinfo=None).isoformat(" ")
    table = Participant._meta.db_table
    sql = (
        f"INSERT INTO {table} (id, a_number, given_names, first_surname, second_surname, "  # noqa: S608
        "date_of_birth, sex, country_of_citizenship, languages, preferred_language, phone, "
        "email, a_number_index, enrollment_code_hash, created_at) "
        "VALUES (%s, %s, 'Ana', 'Pérez', '', '1990-01-01', 'X', 'HN', '[]', 'es', '', '', "
        "%s, '', %s)"
    )
    if connection.vendor == "postgresql":
        columns = sql[sql.index("(") + 1 : sql.index(")")]
        lines = (
            f"{i}\t{200_000_000 + i:09d}\tAna\tPérez\t\t1990-01-01\tX\tHN\t[]\tes\t\t\t"
            f"{blind_index(f'{200_000_000 + i:09d}', kind='a-number')}\t\t{stamp}+00\n"
            for i in range(1, PARTICIPANTS + 1)
        )
        with transaction.atomic():
            copy_rows(table, columns, lines)
        # A live participants table is vacuumed and analysed by autovacuum; a freshly copied
        # one is not, and the scheduler's participant check would then read the heap.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
        return [o.pk for o in offices]
    with transaction.atomic(), connection.cursor() as cursor:
        rows = (
            (
                i,
                f"{200_000_000 + i:09d}",
                blind_index(f"{200_000_000 + i:09d}", kind="a-number"),
                stamp,
            )
            for i in range(1, PARTICIPANTS + 1)
        )
        while batch := list(itertools.islice(rows, 50_000)):
            cursor.executemany(sql, batch)
    return [o.pk for o in offices]


def seed_capacity(office_ids: list[int], per_office_yearly: np.ndarray) -> list[int]:
    """Staff each office for its demand; a few offices get well under half of it."""
    from atd.scheduling.models import OfficeCapacity, OfficeHoliday

    under = office_ids[: max(1, int(len(office_ids) * UNDER_CAPACITY_SHARE))]
    rows, holidays = [], []
    for office_id, yearly in zip(office_ids, per_office_yearly.tolist(), strict=True):
        per_day = yearly / 250
        staff = max(1, int(np.ceil(per_day * (0.4 if office_id in under else 1.15) / 16)))
        rows.append(
            OfficeCapacity(
                office_id=office_id, slots_per_staff_day=16, staff_on_duty=staff, updated_at=NOW
            )
        )
        for month, day in [(1, 1), (1, 19), (2, 16), (5, 25), (7, 3), (9, 7), (11, 26), (12, 25)]:
            holidays.append(
                OfficeHoliday(
                    office_id=office_id, day=date(2027, month, day), name="Federal holiday"
                )
            )
    OfficeCapacity.objects.bulk_create(rows)
    OfficeHoliday.objects.bulk_create(holidays)
    return under


def build_demand(rng: np.random.Generator, office_ids: list[int]):  # noqa: ANN201
    """Every participant's due in-person obligations for the next year, as arrays."""
    from atd.scheduling import rules

    n = PARTICIPANTS
    participant = np.arange(1, n + 1, dtype=np.int64)
    office = np.asarray(office_ids, dtype=np.int64)[rng.integers(0, len(office_ids), n)]
    cadence = rng.choice(CADENCES, size=n, p=CADENCE_WEIGHTS)
    today = TODAY.toordinal()
    start = today - rng.integers(0, 365, n)
    grace_before, grace_after, horizon = 7, 7, 365
    since, until = today - grace_after, today + horizon
    first_k = np.maximum(1, -(-(since - start) // cadence))
    last_k = (until - start) // cadence
    count = np.maximum(last_k - first_k + 1, 0)
    idx = np.repeat(np.arange(n), count)
    offset = np.arange(idx.shape[0]) - np.repeat(np.cumsum(count) - count, count)
    due = start[idx] + (first_k[idx] + offset) * cadence[idx]
    checkins = {
        "participant": participant[idx],
        "office": office[idx],
        "kind": np.zeros(idx.shape[0], dtype=np.int64),
        "due": due,
        "earliest": np.maximum(due - grace_before, today),
        "deadline": due + grace_after,
    }
    first = rng.random(n) < FIRST_REPORT_SHARE
    release = today - rng.integers(0, 30, int(first.sum()))
    reports = {
        "participant": participant[first],
        "office": office[first],
        "kind": np.ones(int(first.sum()), dtype=np.int64),
        "due": release + 60,
        "earliest": np.full(int(first.sum()), today),
        "deadline": release + 60,
    }
    merged = {k: np.concatenate([checkins[k], reports[k]]) for k in checkins}
    order = np.argsort(merged["office"], kind="stable")
    merged = {k: v[order] for k, v in merged.items()}
    bounds = np.searchsorted(merged["office"], np.asarray(office_ids), side="left")
    ends = np.searchsorted(merged["office"], np.asarray(office_ids), side="right")
    per_office = {}
    for office_id, lo, hi in zip(office_ids, bounds.tolist(), ends.tolist(), strict=True):
        per_office[office_id] = rules.Demand(
            participant=merged["participant"][lo:hi],
            kind=merged["kind"][lo:hi],
            due=merged["due"][lo:hi],
            earliest=merged["earliest"][lo:hi],
            deadline=merged["deadline"][lo:hi],
        )
    return per_office


def baseline_insert(rows_total: int, office_ids: list[int], connections_: int = 1) -> float:
    """Raw bulk write of `rows_total` appointment rows: COPY on PostgreSQL, executemany on
    SQLite (row building not timed)."""
    from django.db import connection, transaction

    from atd.scheduling.models import Appointment

    table = Appointment._meta.db_table
    columns = (
        "participant_id, office_id, kind, status, day, slot, starts_at, due_date, deadline, "
        "is_late, booked_by, reschedule_count, cancel_reason, created_at, updated_at"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 15)})"  # noqa: S608
    stamp = NOW.replace(tzinfo=None).isoformat(" ")
    day0 = TODAY + timedelta(days=1)
    days = [(day0 + timedelta(days=i)).isoformat() for i in range(4000)]
    per_day = 200

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(rows_total):
            office = office_ids[i % len(office_ids)]
            k = i // len(office_ids)
            d = days[(k // per_day) % len(days)]
            yield (
                i % PARTICIPANTS + 1,
                office,
                "checkin",
                "booked",
                d,
                k % per_day,
                d + " 14:00:00",
                d,
                d,
                False,
                "scheduler",
                0,
                "",
                stamp,
                stamp,
            )

    if connection.vendor == "postgresql":
        return baseline_copy(rows_total, office_ids, per_day, connections_)
    seconds = 0.0
    source = rows()
    with transaction.atomic(), connection.cursor() as cursor:
        while batch := list(itertools.islice(source, 50_000)):
            t = time.perf_counter()
            cursor.executemany(sql, batch)
            seconds += time.perf_counter() - t
    return seconds


def baseline_copy(
    rows_total: int, office_ids: list[int], per_day: int, connections_: int = 1
) -> float:
    """Raw binary COPY of the same number of rows, in the service's own record format (the
    numpy encoding is timed too: it is a small part, and the server works while it runs)."""
    from django.db import connection, transaction

    from atd.scheduling.services import pgcopy
    from atd.scheduling.services.scheduler import bulk_session, copy_statement

    i = np.arange(rows_total, dtype=np.int64)
    k = i // len(office_ids)
    day = (TODAY + timedelta(days=1)).toordinal() + (k // per_day) % 4000
    rows = pgcopy.BookedRows(
        participant=i % PARTICIPANTS + 1,
        office_id=np.asarray(office_ids, dtype=np.int64)[i % len(office_ids)],
        kind="checkin",
        status="booked",
        day=day,
        slot=k % per_day,
        starts=(day - date(1970, 1, 1).toordinal()) * 86_400 + 14 * 3600,
        due=day,
        deadline=day,
        late=np.zeros(rows_total, dtype=bool),
        booked_by="scheduler",
        now=NOW,
    )

    def write(part: pgcopy.BookedRows) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            # The scheduler's own settings for its bulk transaction, so the WAL work is alike.
            bulk_session(cursor)
            with cursor.cursor.copy(copy_statement()) as copy:
                copy.write(pgcopy.SIGNATURE)
                for lo in range(0, len(part), 100_000):
                    copy.write(pgcopy.encode(part.slice(lo, lo + 100_000)))
                copy.write(pgcopy.TRAILER)

    if connections_ == 1:
        started = time.perf_counter()
        write(rows)
        return time.perf_counter() - started

    def in_thread(part: pgcopy.BookedRows) -> None:
        try:
            write(part)
        finally:
            connection.close()

    # The same rows on `connections_` connections at once, split by office as the scheduler
    # splits its work: the baseline for its parallel write.
    mine = np.asarray(rows.office_id) % connections_
    parts = [
        pgcopy.BookedRows(**{**rows.__dict__, **_take(rows, mine == k)})
        for k in range(connections_)
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections_) as pool:
        list(pool.map(in_thread, parts))
    return time.perf_counter() - started


def _take(rows: Any, mask: Any) -> dict[str, Any]:
    names = ("participant", "office_id", "day", "slot", "starts", "due", "deadline", "late")
    return {
        n: np.asarray(getattr(rows, n))[mask] if np.ndim(getattr(rows, n)) else getattr(rows, n)
        for n in names
    }


def sqlite_small() -> list[str]:
    """The same bench at small scale on SQLite, in a child process (its figure lines)."""
    env = dict(os.environ, BENCH_SCALE="small", ATD_BENCH_DB="sqlite")
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [line for line in out if line.strip()]


def main() -> None:
    db = backend()
    django_setup(db)
    from django.conf import settings
    from django.db import connection

    from atd.core import clock
    from atd.core.actors import Actor
    from atd.scheduling import selectors, services
    from atd.scheduling.models import Appointment

    workers = settings.ATD_SCHEDULING_WORKERS if db == "postgres" else 1
    load = os.getloadavg()[0]
    engine = (
        "PostgreSQL (binary COPY)" if db == "postgres" else f"SQLite (page cache {CACHE_MB} MB)"
    )
    print(f"{engine}, {workers} connection(s); load average {load:.1f} on {os.cpu_count()} cores")
    t = time.perf_counter()
    office_ids = seed_people()
    print(
        f"seeded {PARTICIPANTS:,} participants and {OFFICES} offices in "
        f"{time.perf_counter() - t:.1f} s (not timed)"
    )
    actor = Actor(id=None, label="bench", role="system")
    from atd.people.models import Office

    offices = {o.pk: o for o in Office.objects.all()}

    with clock.frozen_at(NOW):
        # Capacity is configuration: sized from a first (untimed) look at the demand.
        sizing = build_demand(np.random.default_rng(11), office_ids)
        under = seed_capacity(office_ids, np.array([len(sizing[o]) for o in office_ids]))
        del sizing
        started = time.perf_counter()
        demand = build_demand(np.random.default_rng(11), office_ids)
        demand_seconds = time.perf_counter() - started
        started = time.perf_counter()
        runs = services.obligations_book_many(
            actor=actor, bookings=[(offices[o], demand[o]) for o in office_ids]
        )
        book_seconds = time.perf_counter() - started
        seconds = demand_seconds + book_seconds
        obligations = sum(r.considered for r in runs)
        booked = sum(r.booked for r in runs)
        late = sum(r.late for r in runs)
        unplaced = sum(r.unplaced for r in runs)

        started = time.perf_counter()
        report = selectors.backlog_report(selectors.SYSTEM_SCOPE)
        horizon_first_seconds = time.perf_counter() - started
        # On a new connection, as a web request would (SQLite's page cache starts empty; the
        # operating system's file cache is whatever the machine holds), then again, warm.
        connection.close()
        started = time.perf_counter()
        selectors.backlog_report(selectors.SYSTEM_SCOPE)
        horizon_cold_seconds = time.perf_counter() - started
        started = time.perf_counter()
        selectors.backlog_report(selectors.SYSTEM_SCOPE)
        horizon_warm_seconds = time.perf_counter() - started
        # The contract reports the slower of the first two calls.
        horizon_seconds = max(horizon_first_seconds, horizon_cold_seconds)

    worst = report[0]
    print(
        f"obligations {obligations:,}; booked {booked:,} appointments "
        f"({late:,} after their deadline, {unplaced:,} beyond the calendar)"
    )
    print(
        f"demand build {demand_seconds:.2f} s + booking {book_seconds:.2f} s = {seconds:.2f} s "
        f"({booked / max(book_seconds, 1e-9):,.0f} appointments/s)"
    )
    print(
        f"under-capacity offices: {len(under)}; longest horizon {worst.office.code}: booked to "
        f"{worst.horizon.last_booked} ({worst.horizon.backlog_days} days, "
        f"{worst.horizon.late:,} late)"
    )
    print(
        f"backlog report for {len(report)} offices (one query): first {horizon_first_seconds:.3f} s, "
        f"new connection {horizon_cold_seconds:.3f} s, warm {horizon_warm_seconds:.3f} s"
    )
    assert Appointment.objects.count() == booked

    with connection.cursor() as cursor:
        empty = "TRUNCATE" if db == "postgres" else "DELETE FROM"
        cursor.execute(f"{empty} {Appointment._meta.db_table}")  # noqa: S608
    baseline = baseline_insert(booked, office_ids)
    how = "binary COPY" if db == "postgres" else "executemany"
    print(
        f"baseline: raw {how} of {booked:,} appointment rows, one connection: {baseline:.2f} s "
        f"({booked / max(baseline, 1e-9):,.0f} rows/s)"
    )
    print(f"ratio scheduling / raw {how} on one connection: {seconds / max(baseline, 1e-9):.2f}x")
    if db == "postgres" and workers > 1:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Appointment._meta.db_table}")  # noqa: S608
        parallel = baseline_insert(booked, office_ids, workers)
        print(
            f"baseline: the same raw {how} on {workers} connections at once (split by "
            f"office, as the scheduler is): {parallel:.2f} s "
            f"({booked / max(parallel, 1e-9):,.0f} rows/s)"
        )
        print(
            f"ratio scheduling / raw {how} on {workers} connections: "
            f"{seconds / max(parallel, 1e-9):.2f}x"
        )
    if db == "postgres" and os.environ.get("ATD_BENCH_SQLITE_SMALL", "1") == "1":
        print("SQLite, BENCH_SCALE=small (child run):")
        for line in sqlite_small():
            print(f"  {line}")
    print(
        f"scheduling participants={PARTICIPANTS} offices={OFFICES} seconds={seconds:.3f} "
        f"horizon_report_seconds={horizon_seconds:.3f}"
    )


if __name__ == "__main__":
    main()
