"""Intake benchmark: a release file with 5 % bad rows through the real import path (CSV decode,
validation, address checks, bulk writes, audit), then the same file again.

Baseline, measured in the same run: a raw executemany of the same participant rows into the
same table (what the database alone costs). Prints both rates and their ratio.
`BENCH_SCALE=small` imports 2,000 rows instead of 10,000.
"""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import bench_django, scale  # noqa: E402

ROWS = 2_000 if scale() == "small" else 10_000


def main() -> None:
    var = bench_django()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from atd.core.actors import Actor
    from atd.people.intake.readers import release_rows_decode
    from atd.people.intake.schema import COLUMNS
    from atd.people.intake.service import intake_import
    from atd.people.models import Case, Office, Participant
    from atd.simulate.people import corrupt, release_records

    offices = []
    for i, (code, city, zip_code) in enumerate(
        [("HOU", "Houston", "77002"), ("MIA", "Miami", "33130"), ("CHI", "Chicago", "60604")]
    ):
        office = Office.objects.create(
            code=code, name=f"{city} office", city=city, postal_code=zip_code
        )
        names = []
        for j in range(4):
            user = get_user_model().objects.create(
                username=f"officer_{i}_{j}", role="case_officer", office=office
            )
            names.append(user.username)
        offices.append({"code": code, "city": city, "zip": zip_code, "officers": names})
    rows = release_records(ROWS, offices=offices, seed=42)
    planted = corrupt(rows, 0.05, seed=43)
    bad = len(planted)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    content = buffer.getvalue().encode()
    path = var / "releases.csv"
    path.write_bytes(content)
    actor = Actor(id=None, label="bench", role="records_analyst")

    started = time.perf_counter()
    decoded = release_rows_decode(path.read_bytes(), fmt="csv")
    result = intake_import(
        actor=actor, rows=decoded, source="cli", filename=path.name, content=content
    )
    seconds = time.perf_counter() - started
    error_rows = {e.row for e in result.errors}
    reported = len(planted & error_rows)  # planted bad rows that got their own error
    imported = result.batch.rows_imported

    before = (Participant.objects.count(), Case.objects.count())
    started = time.perf_counter()
    again = intake_import(
        actor=actor,
        rows=release_rows_decode(content, fmt="csv"),
        source="cli",
        filename=path.name,
        content=content,
    )
    reimport_seconds = time.perf_counter() - started
    after = (Participant.objects.count(), Case.objects.count())
    new_rows = again.batch.rows_imported + (after[0] - before[0]) + (after[1] - before[1])

    # Baseline: the same number of participant rows, raw executemany, same table, rolled back.
    good = [r for r in rows][:imported]
    params = [
        (
            f"9{i:08d}",
            r["given_names"],
            r["first_surname"],
            r["second_surname"],
            "1990-01-01",
            "X",
            "MX",
            "[]",
            "es",
            r["phone"],
            "",
            f"bench{i}",  # a_number_index: unique
            "",
            "2026-01-01T00:00:00+00:00",
        )
        for i, r in enumerate(good)
    ]
    sql = (
        "INSERT INTO people_participant (a_number, given_names, first_surname, second_surname, date_of_birth, sex, "
        "country_of_citizenship, languages, preferred_language, phone, email, a_number_index, enrollment_code_hash, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    started = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.executemany(sql, params)
            raise RuntimeError("rollback")
    except RuntimeError:
        pass
    baseline_seconds = time.perf_counter() - started

    rate = ROWS / seconds
    baseline_rate = len(params) / baseline_seconds
    print(f"database: {connection.vendor}; rows: {ROWS}; bad rows planted: {bad}")
    print(
        f"import: {seconds:.2f} s, {rate:,.0f} rows/s ({imported} imported, {result.batch.rows_rejected} rejected, "
        f"{len(result.errors)} field errors, {result.batch.addresses_flagged} addresses flagged)"
    )
    print(
        f"re-import: {reimport_seconds:.2f} s, {again.batch.rows_unchanged} unchanged, {again.batch.rows_imported} imported"
    )
    print(
        f"baseline raw executemany of {len(params)} participant rows: {baseline_seconds:.3f} s, {baseline_rate:,.0f} rows/s"
    )
    print(
        f"ratio import/baseline: {rate / baseline_rate:.3f} (the import also writes cases, addresses, flags, aliases, history)"
    )
    print(
        f"target: 10,000 rows under 10 s -> {'met' if 10_000 / rate < 10 else 'NOT met'} ({10_000 / rate:.2f} s at this rate)"
    )
    print(
        f"intake rows_per_s={rate:.1f} bad_rows={bad} bad_reported={reported} reimport_new_rows={new_rows}"
    )


if __name__ == "__main__":
    main()
