"""Shared set-up for benchmarks: a private database (never the demo's), Django configured."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterable
from datetime import date, timedelta
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


# --- the console benches' world (bench/console.py, bench/fleet_json.py) ------------------------
# Built with the ORM (so names, A-numbers and dates are sealed as the application seals them:
# the pages' timings include opening them). Model imports are inside the functions: this module
# is imported before Django is set up.


def bench_var_dir(prefix: str, *, keep_as: str = "") -> Path:
    """ATD_VAR_DIR for a bench, set in the environment: a fresh temporary directory, or with
    `keep_as` var/<keep_as> under the checkout, kept between runs. A kept database must be
    kept with this directory: its field and index keys are generated here (ADR 0021), and
    another directory's keys do not open its names."""
    if keep_as:
        var = ROOT / "var" / keep_as
        var.mkdir(parents=True, exist_ok=True)
    else:
        var = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["ATD_VAR_DIR"] = str(var)
    return var


def staff_create(
    *,
    code: str,
    name: str,
    offices: int,
    officers_per_office: int,
    username: str,
    latitude_step: float = 0.0,
) -> tuple[list[Any], list[Any], Any]:
    """(offices, officers, supervisor): `offices` offices (Chicago time, one organisation),
    `officers_per_office` case officers in each (listed office by office), one supervisor of
    the first office; the supervisor and the first officer are MFA-enrolled (the console asks
    for it)."""
    from django.contrib.auth import get_user_model

    from atd.core.roles import Role
    from atd.people.models import Office, Organisation
    from atd.testing.world import mfa_enroll

    users = get_user_model()
    org = Organisation.objects.create(name="Bench agency (synthetic)", kind="agency")
    office_rows = [
        Office.objects.create(
            code=f"{code}{i:02d}",
            name=f"{name} {i}",
            timezone="America/Chicago",
            organisation=org,
            latitude=41.88 + i * latitude_step,
            longitude=-87.63,
        )
        for i in range(offices)
    ]
    officers = users.objects.bulk_create(
        users(
            username=f"{username}_officer_{o.pk}_{n}",
            role=Role.CASE_OFFICER,
            office=o,
            first_name="Officer",
            last_name=f"{o.code}-{n}",
        )
        for o in office_rows
        for n in range(officers_per_office)
    )
    supervisor = users.objects.create_user(
        username=f"{username}_supervisor",
        password=None,
        role=Role.SUPERVISOR,
        office=office_rows[0],
    )
    mfa_enroll(supervisor)
    mfa_enroll(officers[0])
    return office_rows, officers, supervisor


def participant_new(i: int, rnd: Any, *, a_number_base: int, now: Any) -> Any:
    """An unsaved synthetic participant (two random draws from `rnd`: given name, surname)."""
    from atd.people.models import Participant

    return Participant(
        a_number=f"{a_number_base + i}",
        given_names=rnd.choice(["Ana", "João", "Luis", "María", "José"]),
        first_surname=rnd.choice(["Pérez", "Silva", "Núñez", "García", "Souza"]),
        second_surname="Bench",
        date_of_birth=date(1990, 1, 2),
        sex="F",
        country_of_citizenship="HN",
        languages=["es"],
        preferred_language="es",
        phone="+1 312 555 0100",
        search_tokens="",
        created_at=now,
    )


def case_new(participant: Any, officer: Any, *, office_id: int, now: Any) -> Any:
    """An unsaved active parole case of `participant` held by `officer` in `office_id`."""
    from atd.people.models import Case

    return Case(
        participant=participant,
        release_type="parole",
        release_date=date(2026, 1, 5),
        office_id=office_id,
        officer=officer,
        status="active",
        opened_at=now,
    )


def alert_new(case: Any, *, kind: str, severity: str, opened: Any, status: str = "open") -> Any:
    """An unsaved alert on `case` (its participant, office and officer), 4 h to acknowledge."""
    from atd.alerts.models import Alert

    return Alert(
        participant_id=case.participant_id,
        case=case,
        office_id=case.office_id,
        officer_id=case.officer_id,
        kind=kind,
        severity=severity,
        title=kind.replace("_", " ").capitalize(),
        status=status,
        opened_at=opened,
        first_event_at=opened,
        last_event_at=opened,
        ack_due_at=opened + timedelta(hours=4),
    )


def kept_database_opens() -> bool:
    """Whether a kept database's sealed names open with this run's keys (bench_var_dir): one
    built under other keys must be rebuilt, or every page that names someone fails."""
    from atd.core.fieldcrypt import DecryptionError
    from atd.people.models import Participant

    try:
        Participant.objects.values_list("first_surname", flat=True).first()
    except DecryptionError:
        return False
    return True
