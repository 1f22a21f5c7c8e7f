"""Shared set-up for benchmarks: a private database (never the demo's), Django configured."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def bench_django(*, postgres_db: str | None = None) -> Path:
    """Configures Django on a throw-away SQLite file, or on a fresh PostgreSQL database named
    `postgres_db` (dropped and re-created on the local server)."""
    var = Path(tempfile.mkdtemp(prefix="atd-bench-"))
    os.environ["ATD_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
    os.environ["ATD_TASKS_IMMEDIATE"] = "1"
    if postgres_db:
        import psycopg

        base = os.environ.get("ATD_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{postgres_db}"')
            conn.execute(f'CREATE DATABASE "{postgres_db}"')
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + postgres_db
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def scale() -> str:
    return os.environ.get("BENCH_SCALE", "full")


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def create_database(admin_url: str, name: str, *, keep: bool = False) -> bool:
    """A fresh PostgreSQL database `name` on the server of `admin_url` (dropped first, even with
    sessions open); with `keep`, an existing one is kept as loaded. True when created."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and keep:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


_DEFAULTED: set[str] = set()


def _db_defaults(cursor: Any, table: str, columns: list[str]) -> None:
    """Give the columns a COPY leaves out their model default in the database (once per table):
    a field added later with a default (a blank text, a zero, an empty list) must not break a
    bench's COPY that predates it. Only constants and empty dict/list defaults; a column with
    another kind of default has to be in the COPY."""
    if table in _DEFAULTED:
        return
    _DEFAULTED.add(table)
    import json

    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return
    for field in model._meta.concrete_fields:
        if field.column in columns or field.null or field.default is NOT_PROVIDED:
            continue
        default = field.default() if field.default in (dict, list) else field.default
        if callable(default):
            continue
        if isinstance(default, dict | list):
            literal, cast = json.dumps(default), "::jsonb"
        elif isinstance(default, bool):
            literal, cast = str(default).lower(), ""
        elif isinstance(default, int | float | str):
            literal, cast = str(default), ""
        else:
            continue
        quoted = "'" + literal.replace("'", "''") + "'"
        cursor.execute(
            f'ALTER TABLE {table} ALTER COLUMN "{field.column}" SET DEFAULT {quoted}{cast}'
        )


def copy_rows(cursor: Any, table: str, columns: list[str], rows: Iterable[str]) -> None:
    """COPY text rows (tab-separated, newline-terminated, \\N for NULL) into `table`, sent in
    chunks of 50,000 rows (a psycopg cursor). Columns left out take their model default."""
    _db_defaults(cursor, table, columns)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer, count = io.StringIO(), 0
        for row in rows:
            buffer.write(row)
            count += 1
            if count % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def copy_offices(cursor: Any, table: str, count: int) -> None:
    """Offices 1..count (codes O01.., New York time), no address."""
    copy_rows(
        cursor,
        table,
        ["id", "code", "name", "timezone", "street", "city", "state", "postal_code"],
        (f"{o}\tO{o:02d}\tOffice {o}\tAmerica/New_York\t\t\t\t\n" for o in range(1, count + 1)),
    )


# The columns of a participant row loaded by COPY, in this order (participant_row writes them).
PARTICIPANT_COLUMNS = [
    "id",
    "a_number",
    "given_names",
    "first_surname",
    "second_surname",
    "date_of_birth",
    "sex",
    "country_of_citizenship",
    "languages",
    "preferred_language",
    "phone",
    "email",
    "a_number_index",
    "user_id",
    "enrollment_code_hash",
    "enrollment_code_expires_at",
    "created_at",
    "search_tokens",
]


def participant_row(
    i: int,
    *,
    a_number: str,
    given_names: str,
    first_surname: str,
    second_surname: str,
    date_of_birth: str,
    sex: str,
    nationality: str,
    created_at: str,
) -> str:
    """One COPY row of PARTICIPANT_COLUMNS: Spanish-speaking, no phone, email, account or
    enrolment code. The names, A-number and date of birth are written in clear (the encrypted
    fields read a clear value as it is; `atd crypto reencrypt` seals them); the A-number's
    blind index (ADR 0021) is what the unique constraint and look-ups use. No search tokens
    (the console's name search finds none of them; no bench searches by name)."""
    from atd.core.fieldcrypt import blind_index

    a_number_index = blind_index(a_number, kind="a-number")
    return (
        f"{i}\t{a_number}\t{given_names}\t{first_surname}\t{second_surname}\t{date_of_birth}\t"
        f"{sex}\t{nationality}\t[]\tes\t\t\t{a_number_index}\t\\N\t\t\\N\t{created_at}\t\n"
    )
