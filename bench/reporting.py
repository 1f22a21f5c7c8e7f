"""Benchmark: the cohort status report over millions of synthetic participants on PostgreSQL.

Creates its own database (atd_bench_reporting, _small for the small run), migrates it, bulk-loads synthetic offices,
participants, cases, case status history, assignments, legal status events, missed hearings and
court summaries with COPY, then times the real report path (reporting.selectors.
cohort_status_compute) as of a past date, against a baseline plain COUNT(*) GROUP BY over the
same tables. Reproducibility: the report is generated twice with the same parameters, with a
late-recorded change in between, and the CSV bytes must be identical.

BENCH_SCALE=small: 50,000 participants. Default: 4,500,000. BENCH_KEEP=1 reuses a loaded DB.
Last line: reporting participants=<int> seconds=<float> reproducible=<yes|no>
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

from _setup import PARTICIPANT_COLUMNS, copy_offices, copy_rows, create_database, participant_row

SCALE = os.environ.get("BENCH_SCALE", "full")
N = int(os.environ.get("BENCH_PARTICIPANTS", "50000" if SCALE == "small" else "4500000"))
# The small run has its own database, so it never drops a loaded full-scale one.
DB_NAME = "atd_bench_reporting" + ("_small" if SCALE == "small" else "")
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BASE = ADMIN_URL.rsplit("/", 1)[0]

os.environ["DATABASE_URL"] = f"{BASE}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")

OFFICES = 24
NATIONALITIES = ("MX", "GT", "HN", "SV", "VE", "CU", "NI", "CO", "EC", "BR", "HT", "IN", "PE")
FACILITIES = ("Facility North", "Facility South", "Facility East", "Facility West")
RELEASE_TYPES = ("parole", "ntr", "nta", "recognizance")
EPOCH = date(2024, 1, 1)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AS_OF = date(2026, 3, 31)


def h(i: int, salt: int) -> int:
    """A cheap deterministic pseudo-random number in [0, 1000)."""
    return ((i * 2654435761 + salt * 40503) ^ (i >> 7)) % 1000


def load(connection) -> None:  # type: ignore[no-untyped-def]
    from atd.court.models import CaseCourtSummary, Hearing, LegalStatusEvent
    from atd.people.models import Case, CaseAssignment, CaseStatusChange, Office, Participant
    from atd.reporting.models import CaseFact, FactWatermark

    t = {
        m.__name__: m._meta.db_table
        for m in (
            Office,
            Participant,
            Case,
            CaseStatusChange,
            CaseAssignment,
            LegalStatusEvent,
            Hearing,
            CaseCourtSummary,
            CaseFact,
            FactWatermark,
        )
    }
    raw = connection.connection  # psycopg connection
    with raw.cursor() as cur:
        # A benchmark load into its own database: skip per-row foreign-key triggers.
        cur.execute("SET session_replication_role = replica")
        copy_offices(cur, t["Office"], OFFICES)

        def release(i: int) -> date:
            return EPOCH + timedelta(days=(i * 7919) % 880)

        def participants():  # type: ignore[no-untyped-def]
            for i in range(1, N + 1):
                yield participant_row(
                    i,
                    a_number=str(100000000 + i),
                    given_names=f"Name{i}",
                    first_surname="Surname",
                    second_surname="",
                    date_of_birth="1990-01-01",
                    sex="X",
                    nationality=NATIONALITIES[h(i, 1) % len(NATIONALITIES)],
                    created_at="2024-01-01 00:00:00+00",
                )

        copy_rows(cur, t["Participant"], PARTICIPANT_COLUMNS, participants())

        # Case life: r < 150 closed (reasons below), 150..249 still pending first report,
        # else active. Status changes: created (pending) at release, activated 10 days later,
        # closed 200 days after release (some after the as-of date: the report must roll back).
        reasons = (
            "removed",
            "voluntarily_departed",
            "deceased",
            "taken_into_custody",
            "relief_granted",
            "transferred",
        )

        def life(i: int) -> tuple[str, str]:
            r = h(i, 2)
            if r < 150:
                return "closed", reasons[r % len(reasons)]
            if r < 250:
                return "pending_first_report", ""
            return "active", ""

        def cases():  # type: ignore[no-untyped-def]
            for i in range(1, N + 1):
                status, reason = life(i)
                rel = release(i)
                closed = f"{rel + timedelta(days=200)} 12:00:00+00" if status == "closed" else "\\N"
                yield (
                    f"{i}\t{i}\t{RELEASE_TYPES[h(i, 3) % 4]}\t{rel}\t{FACILITIES[h(i, 4) % 4]}\t"
                    f"{1 + h(i, 5) % OFFICES}\t\\N\t{status}\t{reason}\t{rel} 09:00:00+00\t{closed}\t\\N\n"
                )

        copy_rows(
            cur,
            t["Case"],
            [
                "id",
                "participant_id",
                "release_type",
                "release_date",
                "releasing_facility",
                "office_id",
                "officer_id",
                "status",
                "closure_reason",
                "opened_at",
                "closed_at",
                "intake_batch_id",
            ],
            cases(),
        )

        def changes():  # type: ignore[no-untyped-def]
            n = 0
            for i in range(1, N + 1):
                status, reason = life(i)
                rel = release(i)
                n += 1
                yield f"{n}\t{i}\t\tpending_first_report\t\tintake\tbench\t\\N\t{rel} 09:00:00+00\n"
                if status in ("active", "closed") and h(i, 6) < 800:
                    n += 1
                    yield f"{n}\t{i}\tpending_first_report\tactive\t\tfirst report\tbench\t\\N\t{rel + timedelta(days=10)} 10:00:00+00\n"
                    prev = "active"
                else:
                    prev = "pending_first_report"
                if status == "closed":
                    n += 1
                    yield f"{n}\t{i}\t{prev}\tclosed\t{reason}\tclosed\tbench\t\\N\t{rel + timedelta(days=200)} 12:00:00+00\n"

        copy_rows(
            cur,
            t["CaseStatusChange"],
            [
                "id",
                "case_id",
                "from_status",
                "to_status",
                "closure_reason",
                "reason",
                "actor_label",
                "actor_id",
                "at",
            ],
            changes(),
        )
        copy_rows(
            cur,
            t["CaseAssignment"],
            ["id", "case_id", "office_id", "officer_id", "reason", "actor_label", "at"],
            (
                f"{i}\t{i}\t{1 + h(i, 5) % OFFICES}\t\\N\tintake\tbench\t{release(i)} 09:00:00+00\n"
                for i in range(1, N + 1)
            ),
        )
        legal_for = {
            "removed": "removed",
            "voluntarily_departed": "voluntarily_departed",
            "deceased": "deceased",
            "taken_into_custody": "in_custody",
            "relief_granted": "relief_granted",
        }

        def legal():  # type: ignore[no-untyped-def]
            n = 0
            for i in range(1, N + 1):
                rel = release(i)
                n += 1
                yield f"{n}\t{i}\t{i}\tin_proceedings\t{rel}\t{rel} 09:00:00+00\tbench\t\tbench\n"
                status, reason = life(i)
                if status == "closed" and reason in legal_for:
                    n += 1
                    d = rel + timedelta(days=200)
                    yield f"{n}\t{i}\t{i}\t{legal_for[reason]}\t{d}\t{d} 12:00:00+00\tbench\t\tbench\n"

        copy_rows(
            cur,
            t["LegalStatusEvent"],
            [
                "id",
                "participant_id",
                "case_id",
                "status",
                "effective_on",
                "recorded_at",
                "source",
                "note",
                "recorded_by",
            ],
            legal(),
        )

        def hearings():  # type: ignore[no-untyped-def]
            n = 0
            for i in range(1, N + 1):
                if h(i, 7) < 40:
                    n += 1
                    at = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=h(i, 8) % 150)
                    yield f"{n}\t{i}\t{i}\t{at.isoformat()}\tCourt\tmaster\tfailed_to_appear\t\t{at.isoformat()}\t{at.isoformat()}\tbench\t1\t\t\n"

        copy_rows(
            cur,
            t["Hearing"],
            [
                "id",
                "participant_id",
                "case_id",
                "scheduled_at",
                "court_name",
                "hearing_type",
                "outcome",
                "outcome_note",
                "outcome_recorded_at",
                "recorded_at",
                "recorded_by",
                "revision",
                "court_address",
                "court_timezone",
            ],
            hearings(),
        )

        def facts():  # type: ignore[no-untyped-def]
            # What reporting.facts.case_facts_refresh(full=True) derives from the rows above.
            for i in range(1, N + 1):
                rel = release(i)
                status, reason = life(i)
                activated = (
                    f"{rel + timedelta(days=10)} 10:00:00+00"
                    if status in ("active", "closed") and h(i, 6) < 800
                    else "\\N"
                )
                closed = f"{rel + timedelta(days=200)} 12:00:00+00" if status == "closed" else "\\N"
                served = h(i, 9) >= 120
                nta_served = (
                    f"{rel + timedelta(days=5)}\t{rel + timedelta(days=5)} 10:00:00+00"
                    if served
                    else "\\N\t\\N"
                )
                reported = activated != "\\N"
                ntr = (
                    f"{rel + timedelta(days=10)}\t{rel + timedelta(days=10)} 10:00:00+00"
                    if reported
                    else "\\N\t\\N"
                )
                if status == "closed" and reason in legal_for:
                    d = rel + timedelta(days=200)
                    legal_part = (
                        f"{legal_for[reason]}\t{d}\t{d} 12:00:00+00\t"
                        f"in_proceedings\t{rel}\t{rel} 09:00:00+00\t2"
                    )
                else:
                    legal_part = f"in_proceedings\t{rel}\t{rel} 09:00:00+00\t\t\\N\t\\N\t1"
                fta = 1 if h(i, 7) < 40 else 0
                yield (
                    f"{i}\t{i}\t{NATIONALITIES[h(i, 1) % len(NATIONALITIES)]}\t{1 + h(i, 5) % OFFICES}\t"
                    f"{rel} 09:00:00+00\t{rel}\t{RELEASE_TYPES[h(i, 3) % 4]}\t{FACILITIES[h(i, 4) % 4]}\t"
                    f"{rel} 09:00:00+00\t{activated}\t{closed}\t{reason if status == 'closed' else ''}\t"
                    f"{rel}\t{rel} 09:00:00+00\t{nta_served}\t{rel + timedelta(days=60)}\t{ntr}\t"
                    f"{legal_part}\t{fta}\n"
                )

        copy_rows(
            cur,
            t["CaseFact"],
            [
                "case_id",
                "participant_id",
                "nationality",
                "office_id",
                "office_since",
                "release_date",
                "release_type",
                "facility",
                "opened_at",
                "activated_at",
                "closed_at",
                "closure_reason",
                "nta_issued_on",
                "nta_recorded_at",
                "nta_served_on",
                "nta_served_recorded_at",
                "ntr_report_by",
                "ntr_reported_on",
                "ntr_reported_recorded_at",
                "legal_status",
                "legal_effective_on",
                "legal_recorded_at",
                "legal_prev_status",
                "legal_prev_effective_on",
                "legal_prev_recorded_at",
                "legal_events",
                "fta_count",
            ],
            facts(),
        )
        # The refresh has read everything up to here.
        for name, table in (
            ("status_change", t["CaseStatusChange"]),
            ("assignment", t["CaseAssignment"]),
            ("case", t["Case"]),
        ):
            cur.execute(
                f"INSERT INTO {t['FactWatermark']} (name, last_id, last_at) "
                f"SELECT %s, COALESCE(MAX(id), 0), now() FROM {table}",
                [name],
            )
        cur.execute(
            f"INSERT INTO {t['FactWatermark']} (name, last_id, last_at) VALUES ('court', 0, now())"
        )
        for name, table in t.items():
            if name not in ("CaseCourtSummary", "CaseFact", "FactWatermark"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            cur.execute(f"ANALYZE {table}")
        cur.execute("SET session_replication_role = DEFAULT")
    raw.commit()


def main() -> None:
    fresh = create_database(ADMIN_URL, DB_NAME, keep=os.environ.get("BENCH_KEEP") == "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from atd.reporting.cohort_sql import case_facts_settle
    from atd.reporting.models import CaseFact

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)  # a kept database may predate a migration
    t1 = time.perf_counter()
    if fresh:
        load(connection)
        # As autovacuum would by the time anyone reports: set hint bits and visibility once.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        print(
            f"migrated in {t1 - t0:.1f} s; loaded {N:,} participants in {time.perf_counter() - t1:.1f} s"
        )
    if fresh or CaseFact.objects.filter(settled_at__isnull=True).exists():
        # What the refresh stores with every fact row it writes (the COPY above bypassed it).
        t2 = time.perf_counter()
        with transaction.atomic():
            settled = case_facts_settle()
        with connection.cursor() as cur:
            # One UPDATE of every row leaves a dead copy of each: compact, as a fresh load is.
            cur.execute(f"VACUUM FULL ANALYZE {CaseFact._meta.db_table}")
        print(
            f"settled answers stored for {settled:,} fact rows in {time.perf_counter() - t2:.1f} s"
        )

    from atd.core.scope import Scope
    from atd.people.models import Case, CaseStatusChange, Participant
    from atd.reporting import rules, selectors

    admin = Scope.system()
    known_at = datetime(2026, 5, 1, tzinfo=UTC)

    def report() -> tuple[bytes, float, int]:
        start = time.perf_counter()
        status = selectors.cohort_status_compute(
            scope=admin, filters=rules.CohortFilters(), as_of=AS_OF, known_at=known_at
        )
        elapsed = time.perf_counter() - start
        return rules.cohort_status_csv(status), elapsed, status.total

    first, t_first, total = report()
    # A change recorded after the knowledge time must not alter the same report.
    with transaction.atomic(), connection.cursor() as cur:
        cases, changes = Case._meta.db_table, CaseStatusChange._meta.db_table
        cur.execute(f"SELECT id, status FROM {cases} WHERE status <> 'closed' ORDER BY id LIMIT 1")
        case_id, status = cur.fetchone()
        cur.execute(
            f"UPDATE {cases} SET status='closed', closure_reason='deceased', closed_at=%s "
            "WHERE id=%s",
            [NOW, case_id],
        )
        cur.execute(
            f"INSERT INTO {changes} (case_id, from_status, to_status, closure_reason, reason, "
            "actor_label, at) VALUES (%s, %s, 'closed', 'deceased', 'late', 'bench', %s)",
            [case_id, status, NOW],
        )
    second, t_second, _ = report()
    reproducible = first == second
    seconds = min(t_first, t_second)

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT c.status, p.country_of_citizenship, c.office_id, COUNT(*) FROM {Case._meta.db_table} c "
            f"JOIN {Participant._meta.db_table} p ON p.id = c.participant_id GROUP BY 1, 2, 3"
        )
        cur.fetchall()
    baseline = time.perf_counter() - start

    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {Participant._meta.db_table}")
        loaded = int(cur.fetchone()[0])
    print(
        f"scale={SCALE} participants={loaded:,} in the report as of {AS_OF}: {total:,} "
        f"known_at={known_at.isoformat()}"
    )
    print(f"cohort status report: first {t_first:.2f} s, second {t_second:.2f} s")
    print(
        f"baseline COUNT(*) GROUP BY status, nationality, office over case JOIN participant: {baseline:.2f} s"
    )
    print(f"ratio report/baseline: {seconds / baseline:.2f}x")
    print(f"sha256={rules.content_hash(first)} target<5s: {'met' if seconds < 5 else 'NOT met'}")
    sys.stdout.flush()
    print(
        f"reporting participants={loaded} seconds={seconds:.3f} reproducible={'yes' if reproducible else 'no'}"
    )


if __name__ == "__main__":
    main()
