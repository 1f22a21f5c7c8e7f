"""Jobs benchmark (issue 17): paging never waits behind batch jobs; a feed batch links by key.

Part 1, on PostgreSQL (database atd_bench_jobs[_small], created fresh): the reporting bench's
population is bulk-loaded (bench/reporting.py `load`: participants, cases, history, court
rows); 2 replicas are started, each one general `atd worker` (every queue but paging) and one
`atd worker --queue-name paging` (reserved), all firing periodic jobs. At start every periodic
job fires once, among them the heavy ones on the batch queue: the appointment run
(scheduling.schedule_all), the full report refresh (reporting.facts_full_refresh, queued here
too so it runs whatever the firing order), retention, matching, proposing reviews. While they
run, ALERTS alerts are raised through alerts' production service, spread over the run; each
queues an in-app notification to the case's officer, which the paging workers hand to the
channel (the time recorded in `sent_at` by the delivery service). Latency = sent_at - the
notification's created_at. Periodic firings are counted per job and period across replicas.

Part 2 (database atd_bench_jobs_link[_small]): PARTICIPANTS enrolled participants with
population-shaped names (atd.matching.synthetic), addresses and open cases are bulk-loaded with
COPY; their blocking keys are built by the production rebuild (`blocking_keys_rebuild`); a
model trained on a synthetic set is stored; 1,000 bookings (60% variants of participants, 40%
strangers) arrive through `feed_import`; a fresh child process links the batch through the
production service (`feed_batch_link`) and reports its time and peak RSS.

BENCH_SCALE=small: 50,000 participants (both parts), 300 alerts. Default: 1,000,000 (part 1)
and 4,500,000 (part 2), 2,000 alerts. BENCH_KEEP=1 reuses a loaded part-2 database.
Last line: jobs alert_delivery_p99_s=<n> heavy_jobs=<n> replicas=2 periodic_duplicates=<n>
feed_batch=1000 participants=<n> feed_link_seconds=<n> feed_link_peak_rss_mb=<n>
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
SMALL = os.environ.get("BENCH_SCALE", "full") == "small"
JOB_PARTICIPANTS = int(os.environ.get("BENCH_JOB_PARTICIPANTS", "50000" if SMALL else "1000000"))
LINK_PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "50000" if SMALL else "4500000"))
ALERTS = int(os.environ.get("BENCH_ALERTS", "300" if SMALL else "2000"))
BATCH = 1_000
REPLICAS = 2
SUFFIX = os.environ.get("BENCH_DB_SUFFIX", "_small" if SMALL else "")
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BASE = ADMIN_URL.rsplit("/", 1)[0]
# A kept database (BENCH_KEEP=1) keeps its keys with it: its blocking keys are blind indexes
# and its features, booking records and names are sealed under this directory's keys.
if os.environ.get("BENCH_KEEP") == "1":
    VAR = ROOT / "var" / f"bench-jobs{SUFFIX}"
    VAR.mkdir(parents=True, exist_ok=True)
else:
    VAR = Path(tempfile.mkdtemp(prefix="atd-bench-jobs-"))
os.environ["ATD_VAR_DIR"] = str(VAR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")

from _setup import (  # noqa: E402
    PARTICIPANT_COLUMNS,
    copy_offices,
    copy_rows,
    create_database,
    participant_row,
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- part 1: paging while heavy jobs run ---------------------------------------------------


def start_replicas(db_url: str) -> list[subprocess.Popen[bytes]]:
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        PYTHONPATH=str(ROOT / "src"),
        ATD_JOB_TICK_SECONDS="1",
    )
    atd = [sys.executable, "-m", "atd.cli", "worker", "--no-startup-delay"]
    workers = []
    for replica in range(REPLICAS):
        for args in (
            ["--queue-name", "*", "--exclude-queues", "paging"],
            ["--queue-name", "paging"],
        ):
            log = open(VAR / f"worker-{replica}-{args[1].strip('*') or 'all'}.log", "wb")  # noqa: SIM115
            workers.append(
                subprocess.Popen(  # noqa: S603 (our own CLI)
                    [*atd, *args, "--worker-id", f"r{replica}-{args[1].strip('*') or 'all'}"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return workers


def part_jobs() -> tuple[float, int, int]:
    db = f"atd_bench_jobs{SUFFIX}"
    create_database(ADMIN_URL, db)
    db_url = f"{BASE}/{db}"
    os.environ["DATABASE_URL"] = db_url
    os.environ["BENCH_PARTICIPANTS"] = str(JOB_PARTICIPANTS)
    import reporting as reporting_bench  # bench/reporting.py: its bulk load

    os.environ["DATABASE_URL"] = db_url  # (importing it points DATABASE_URL at its own DB)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    reporting_bench.load(connection)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"part 1: {JOB_PARTICIPANTS:,} participants loaded in {time.perf_counter() - t0:.0f} s")

    from django.utils import timezone

    from atd.alerts.services import AlertSignal, alert_raise_many
    from atd.core.actors import SYSTEM
    from atd.core.jobs.tasks import periodic_job_run
    from atd.core.models import JobFiring, JobRun, User
    from atd.people.models import Case, Office

    office = Office.objects.order_by("pk").first()
    assert office is not None
    officer = User.objects.create(username="bench_officer", role="case_officer", office=office)
    targets = list(
        Case.objects.exclude(status="closed")
        .order_by("pk")
        .values_list("pk", "participant_id")[:ALERTS]
    )
    Case.objects.filter(pk__in=[c for c, _ in targets]).update(officer=officer, office=office)

    workers = start_replicas(db_url)
    try:
        # The full refresh fires once a day; queue one now so it runs in this window whatever
        # the period's slot (the firing at start-up covers the others).
        periodic_job_run.using(queue_name="batch", priority=-50).enqueue(
            name="reporting.facts_full_refresh"
        )
        deadline = time.monotonic() + 600
        while not JobRun.objects.filter(queue="batch", state="running").exists():
            if time.monotonic() > deadline:
                raise SystemExit("no batch job started")
            time.sleep(0.5)
        print("part 1: heavy jobs running; raising alerts")
        started = time.monotonic()
        spread = float(os.environ.get("BENCH_ALERT_SPREAD_S", "90" if SMALL else "240"))
        raised = 0
        while raised < ALERTS:
            due = min(ALERTS, int((time.monotonic() - started) / spread * ALERTS) + 1)
            signals = [
                AlertSignal(
                    kind="strap_tamper",
                    occurred_at=timezone.now(),
                    source="bench.jobs",
                    source_ref=f"bench:{n}",
                    participant_id=targets[n][1],
                    title="Strap opened (bench)",
                    detail={"n": n},
                )
                for n in range(raised, due)
            ]
            if signals:
                alert_raise_many(actor=SYSTEM, signals=signals)
                raised = due
            time.sleep(0.25)
        from atd.alerts.models import Notification

        mine = Notification.objects.filter(dedupe_key__startswith="alert-new:", user=officer)
        deadline = time.monotonic() + 600
        while mine.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(1)
        heavy_running = JobRun.objects.filter(queue="batch", state="running").count()
        latencies = [
            (sent - created).total_seconds()
            for created, sent in mine.values_list("created_at", "sent_at")
            if sent is not None
        ]
        unsent = mine.filter(sent_at__isnull=True).count()
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=900)
            except subprocess.TimeoutExpired:
                w.kill()
    heavy = JobRun.objects.filter(queue="batch", attempt=1).exclude(
        job__startswith="matching.link_new_feed"
    )
    duplicates = 0
    per_job: dict[str, int] = {}
    for job in JobFiring.objects.values_list("job", flat=True):
        per_job[job] = per_job.get(job, 0) + 1
    firings = JobFiring.objects.count()
    periods = JobFiring.objects.values("job", "period_start").distinct().count()
    duplicates += firings - periods
    # Executions: every firing's task ran at most once as a first attempt.
    fired_tasks = set(JobFiring.objects.values_list("task_result_id", flat=True))
    firsts = [
        str(t) for t in JobRun.objects.filter(attempt=1).values_list("task_result_id", flat=True)
    ]
    duplicates += len(firsts) - len(set(firsts))
    print(
        f"part 1: firings per job across {REPLICAS} replicas: {json.dumps(per_job, sort_keys=True)}"
    )
    print(f"part 1: {len(fired_tasks)} firings, {periods} job periods, duplicates {duplicates}")
    print(
        f"part 1: {len(latencies)} notifications delivered ({unsent} not), p50 "
        f"{percentile(latencies, 0.5):.1f} s, p99 {percentile(latencies, 0.99):.1f} s, max "
        f"{max(latencies, default=float('nan')):.1f} s; heavy runs {heavy.count()} "
        f"({heavy_running} still running when the last alert was delivered)"
    )
    for run in heavy.order_by("started_at"):
        took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        print(f"   {run.job:34} {run.state:9} {took if took is None else round(took, 1)} s")
    p99 = percentile(latencies, 0.99) if not unsent else float("inf")
    return p99, heavy.count(), duplicates


# --- part 2: one feed batch against the enrolled population --------------------------------

STREETS = [
    f"{w} {k}"
    for w in (
        "Oak",
        "Main",
        "Pine",
        "Elm",
        "Cedar",
        "Maple",
        "Lake",
        "Hill",
        "Park",
        "River",
        "Sunset",
        "Washington",
        "Lincoln",
        "Jefferson",
        "Madison",
        "Adams",
        "Walnut",
        "Cherry",
        "Spruce",
        "Willow",
    )
    for k in ("St", "Ave", "Rd", "Blvd", "Ln")
]
CITIES = [
    "Houston",
    "Miami",
    "Los Angeles",
    "Newark",
    "Chicago",
    "Dallas",
    "Phoenix",
    "Atlanta",
    "Denver",
    "Seattle",
    "Boston",
    "Detroit",
    "Orlando",
    "Austin",
    "San Diego",
    "Tucson",
]


def person(i: int) -> Any:
    from atd.matching.synthetic import person_new

    rng = random.Random(i)  # noqa: S311 (synthetic data)
    p = person_new(rng, i)
    city = CITIES[rng.randrange(len(CITIES))]
    street = f"{rng.randrange(1, 9999)} {STREETS[rng.randrange(len(STREETS))]}"
    return p, city, street


def load_population(connection: Any) -> None:
    from atd.people.models import Address, Case, Office, Participant

    offices = Office._meta.db_table
    raw = connection.connection
    with raw.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        copy_offices(cur, offices, 1)

        def rows() -> Any:
            for i in range(1, LINK_PARTICIPANTS + 1):
                p, city, street = person(i)
                yield (p, city, street, i)

        people: list[str] = []
        addresses: list[str] = []
        cases: list[str] = []

        def flush() -> None:
            copy_rows(cur, Participant._meta.db_table, PARTICIPANT_COLUMNS, people)
            copy_rows(
                cur,
                Address._meta.db_table,
                [
                    "participant_id",
                    "line1",
                    "unit",
                    "city",
                    "state",
                    "postal_code",
                    "country",
                    "normalized_key",
                    "building_key",
                    "verification",
                    "is_current",
                    "valid_from",
                    "recorded_by",
                ],
                addresses,
            )
            copy_rows(
                cur,
                Case._meta.db_table,
                [
                    "participant_id",
                    "release_type",
                    "release_date",
                    "releasing_facility",
                    "office_id",
                    "status",
                    "closure_reason",
                    "opened_at",
                ],
                cases,
            )
            people.clear()
            addresses.clear()
            cases.clear()

        for p, city, street, i in rows():
            people.append(
                participant_row(
                    i,
                    a_number=f"{300_000_000 + i:09d}",
                    given_names=p.given_names,
                    first_surname=p.first_surname,
                    second_surname=p.second_surname,
                    date_of_birth=p.date_of_birth.isoformat(),
                    sex=p.sex,
                    nationality="MX",
                    created_at="2025-01-01 00:00:00+00",
                )
            )
            addresses.append(
                f"{i}\t{street}\t\t{city}\tTX\t{p.postal_code}\tUS\tk{i}\tb{i}\tunverified\tt\t"
                "2025-01-01 00:00:00+00\tbench\n"
            )
            cases.append(f"{i}\tparole\t2025-01-01\t\t1\tactive\t\t2025-01-01 00:00:00+00\n")
            if len(people) >= 100_000:
                flush()
        flush()
        for table in (Participant._meta.db_table, Address._meta.db_table, Case._meta.db_table):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cur.execute("SET session_replication_role = DEFAULT")
    raw.commit()


def part_link_setup() -> tuple[str, int]:
    db = f"atd_bench_jobs_link{SUFFIX}"
    fresh = create_database(ADMIN_URL, db, keep=os.environ.get("BENCH_KEEP") == "1")
    os.environ["DATABASE_URL"] = f"{BASE}/{db}"
    import django
    from django.apps import apps

    if not apps.ready:  # BENCH_JOBS_PART=link: part 1 did not set Django up
        django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = db
    call_command("migrate", verbosity=0)
    from atd.matching import services
    from atd.matching.models import BlockingKey, FeedBatch

    if not fresh and not BlockingKey.objects.exists():  # a kept load that never finished
        connections.close_all()
        fresh = create_database(ADMIN_URL, db)
        call_command("migrate", verbosity=0)
    if fresh:
        t0 = time.perf_counter()
        load_population(connection)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        t1 = time.perf_counter()
        rows = services.blocking_keys_rebuild()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        print(
            f"part 2: {LINK_PARTICIPANTS:,} participants loaded in {t1 - t0:.0f} s; "
            f"{rows:,} blocking-key rows built by blocking_keys_rebuild in "
            f"{time.perf_counter() - t1:.0f} s"
        )
    from atd.matching.linkage.model import LinkageEngine
    from atd.matching.synthetic import feature_rows, record_variant, synthetic_set

    s = synthetic_set(participants=3000, linked=600, near_misses=100, unrelated=400, seed=7)
    left, right = feature_rows(s)
    services.linkage_model_save(
        actor=None,
        settings_json=LinkageEngine(left, right).train(max_pairs=5e5),
        records=len(left),
        participants=len(right),
        note="bench: trained on a synthetic set",
    )
    rng = random.Random(17)  # noqa: S311
    bookings = []
    for n in range(BATCH):
        if n < BATCH * 6 // 10:
            p, city, street = person(rng.randrange(1, LINK_PARTICIPANTS + 1))
            p = record_variant(rng, p)
        else:
            p, city, street = person(LINK_PARTICIPANTS + 1_000_000 + n)
        bookings.append(
            {
                "booking_id": f"J{n}",
                "booking_date": "2026-11-01",
                "agency": "County Jail",
                "given_names": p.given_names,
                "first_surname": p.first_surname,
                "second_surname": p.second_surname,
                "date_of_birth": p.date_of_birth.isoformat(),
                "sex": p.sex,
                "postal_code": p.postal_code,
                "city": city,
                "address": street,
            }
        )
    batch = services.feed_import(
        actor=None, source=f"bench-{time.time_ns()}", rows=bookings, channel="json"
    ).batch
    assert FeedBatch.objects.get(pk=batch.pk).rows_imported == BATCH, "bookings rejected"
    return db, batch.pk


def link_child(db: str, batch_id: int) -> None:
    """A fresh process: its peak RSS is the link's alone."""
    os.environ["DATABASE_URL"] = f"{BASE}/{db}"
    import django

    django.setup()
    from atd.matching import services
    from atd.matching.models import FeedBatch

    batch = FeedBatch.objects.get(pk=batch_id)
    start = time.perf_counter()
    result = services.feed_batch_link(actor=None, batch=batch)
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": rss_mb,
                "reached": result.run.participants_compared,
                "pairs": len(result.pairs),
                "candidates": result.candidates_created,
            }
        )
    )


def main() -> None:
    if sys.argv[1:2] == ["link-child"]:
        link_child(sys.argv[2], int(sys.argv[3]))
        return
    # BENCH_JOBS_PART=link / =jobs runs one part alone (a development aid; the contract line
    # needs both).
    part = os.environ.get("BENCH_JOBS_PART", "")
    if part == "link":
        p99, heavy, duplicates = float("nan"), 0, 0
    else:
        p99, heavy, duplicates = part_jobs()
    if part == "jobs":
        print(
            f"part 1 only: alert_delivery_p99_s={p99:.1f} heavy_jobs={heavy} replicas={REPLICAS} "
            f"periodic_duplicates={duplicates}"
        )
        return
    db, batch_id = part_link_setup()
    from django.db import connections

    connections.close_all()
    out = subprocess.run(  # noqa: S603 (this script)
        [sys.executable, __file__, "link-child", db, str(batch_id)],
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src"), ATD_LOG_LEVEL="INFO"),
        capture_output=True,
        text=True,
        check=True,
    )
    link = json.loads(out.stdout.strip().splitlines()[-1])
    for line in (out.stdout + out.stderr).splitlines():
        if "feed batch" in line:  # the service's own log: reach, rows and time by phase
            print(f"part 2: {line.split(' INFO ', 1)[-1]}")
    print(
        f"part 2: one batch of {BATCH} bookings against {LINK_PARTICIPANTS:,} enrolled: "
        f"{link['reached']:,} participants reached, {link['pairs']:,} pairs at or above the "
        f"review threshold, {link['candidates']} candidates queued"
    )
    print(
        f"jobs alert_delivery_p99_s={p99:.1f} heavy_jobs={heavy} replicas={REPLICAS} "
        f"periodic_duplicates={duplicates} feed_batch={BATCH} participants={LINK_PARTICIPANTS} "
        f"feed_link_seconds={link['seconds']:.1f} feed_link_peak_rss_mb={link['rss_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
