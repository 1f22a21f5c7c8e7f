"""Console benchmark: server time of the dashboard, alert queue and participant page, and the
time from a tamper event's arrival to the alert being visible in the queue at 200 events/s.

BENCH_SCALE=small: 3,000 participants (SQLite, or PostgreSQL when it answers); full (default):
100,000 participants in PostgreSQL. Its own database (PostgreSQL `atd_bench_console`, or SQLite
in a temp dir); never the demo database. Positions: filled only if the telemetry app provides
a positions table (not in this branch: the map endpoint is then measured without positions).

Last line (the contract):
console p50_ms=<float> p95_ms=<float> alert_latency_p99_s=<float>
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SCALE = os.environ.get("BENCH_SCALE", "full")
SMALL = SCALE == "small"
PARTICIPANTS = 3_000 if SMALL else 100_000
OFFICES = 2 if SMALL else 10
OFFICERS_PER_OFFICE = 10 if SMALL else 100  # full: 1,000 officers, ~100 cases each
OPEN_ALERT_SHARE = 0.3
SAMPLES = 15 if SMALL else 40
EVENT_RATE = 200  # tamper events per second
EVENT_SECONDS = 5 if SMALL else 40
PG_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "atd_bench_console"

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "atd.config.settings"
os.environ["ATD_VAR_DIR"] = tempfile.mkdtemp(prefix="atd-bench-console-")
os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")
os.environ["ATD_HTTPS"] = "0"  # the in-process client speaks plain HTTP


def _choose_database() -> str:
    from atd.core.services_probe import service_answers

    if service_answers("postgres"):
        import psycopg

        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
        return "postgresql"
    if not SMALL:
        print("PostgreSQL does not answer: the full scale runs on SQLite instead", flush=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['ATD_VAR_DIR']}/bench.sqlite3"
    return "sqlite"


ENGINE = _choose_database()

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from atd.alerts.models import Alert, AlertEvent  # noqa: E402
from atd.alerts.services import AlertSignal, alert_raise_many  # noqa: E402
from atd.core import clock  # noqa: E402
from atd.core.actors import SYSTEM  # noqa: E402
from atd.core.roles import Role  # noqa: E402
from atd.people.models import Address, Case, Office, Organisation, Participant  # noqa: E402
from atd.testing.world import mfa_enroll  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build() -> dict[str, Any]:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    users = get_user_model()
    org = Organisation.objects.create(name="Bench agency (synthetic)", kind="agency")
    offices = [
        Office.objects.create(
            code=f"B{i:02d}",
            name=f"Bench office {i}",
            timezone="America/Chicago",
            organisation=org,
            latitude=41.88,
            longitude=-87.63,
        )
        for i in range(OFFICES)
    ]
    officers = users.objects.bulk_create(
        users(
            username=f"bench_officer_{o.pk}_{n}",
            role=Role.CASE_OFFICER,
            office=o,
            first_name="Officer",
            last_name=f"{o.code}-{n}",
        )
        for o in offices
        for n in range(OFFICERS_PER_OFFICE)
    )
    supervisor = users.objects.create_user(
        username="bench_supervisor", password=None, role=Role.SUPERVISOR, office=offices[0]
    )
    mfa_enroll(supervisor)
    mfa_enroll(officers[0])
    now = clock.now()
    rnd = random.Random(7)
    batch = 5000
    for start in range(0, PARTICIPANTS, batch):
        people = Participant.objects.bulk_create(
            Participant(
                a_number=f"{200000000 + i}",
                given_names=rnd.choice(["Ana", "João", "Luis", "María", "José"]),
                first_surname=rnd.choice(["Pérez", "Silva", "Núñez", "García", "Souza"]),
                second_surname="Bench",
                date_of_birth=date(1990, 1, 2),
                sex="F",
                country_of_citizenship="HN",
                languages=["es"],
                preferred_language="es",
                phone="+1 555 0100",
                search_name=f"participant {i}",
                created_at=now,
            )
            for i in range(start, min(start + batch, PARTICIPANTS))
        )
        Address.objects.bulk_create(
            Address(
                participant=p,
                line1="1 Bench St",
                city="Springfield",
                state="IL",
                postal_code="62701",
                normalized_key=f"k{p.pk}",
                building_key=f"b{p.pk}",
                valid_from=now,
            )
            for p in people
        )
        cases = []
        for p in people:
            officer = officers[p.pk % len(officers)]
            cases.append(
                Case(
                    participant=p,
                    release_type="parole",
                    release_date=date(2026, 1, 5),
                    office_id=officer.office_id,
                    officer=officer,
                    status="active",
                    opened_at=now,
                )
            )
        Case.objects.bulk_create(cases)
        alerts = []
        for p, c in zip(people, cases, strict=True):
            if rnd.random() < OPEN_ALERT_SHARE:
                kind = rnd.choice(["battery_low", "no_signal", "zone_exit", "missed_checkin"])
                opened = now - timedelta(minutes=rnd.randint(1, 60 * 48))
                alerts.append(
                    Alert(
                        participant=p,
                        case=c,
                        office_id=c.office_id,
                        officer_id=c.officer_id,
                        kind=kind,
                        severity="high" if kind in ("zone_exit", "missed_checkin") else "medium",
                        title=kind.replace("_", " ").capitalize(),
                        opened_at=opened,
                        first_event_at=opened,
                        last_event_at=opened,
                        ack_due_at=opened + timedelta(hours=4),
                    )
                )
        Alert.objects.bulk_create(alerts)
        AlertEvent.objects.bulk_create(
            AlertEvent(
                alert=a,
                kind=a.kind,
                occurred_at=a.opened_at,
                recorded_at=a.opened_at,
                source="bench",
                source_ref=f"seed-{a.pk}",
            )
            for a in alerts
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(
        f"built {PARTICIPANTS} participants, {Alert.objects.count()} alerts, "
        f"{len(officers)} officers in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return {"officer": officers[0], "supervisor": supervisor, "offices": offices}


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def time_get(client: Client, url: str) -> float:
    t = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - t) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def page_times(world: dict[str, Any]) -> tuple[dict[str, list[float]], list[float]]:
    officer_client = client_for(world["officer"])
    supervisor_client = client_for(world["supervisor"])
    caseload = list(
        Case.objects.filter(officer=world["officer"]).values_list("participant_id", flat=True)
    )
    rnd = random.Random(11)
    pages = {
        "officer dashboard": (officer_client, lambda: "/"),
        "officer queue": (officer_client, lambda: "/alerts/"),
        "participant page": (officer_client, lambda: f"/participants/{rnd.choice(caseload)}/"),
        "track json": (
            officer_client,
            lambda: f"/participants/{rnd.choice(caseload)}/track.json",
        ),
        "supervisor dashboard": (supervisor_client, lambda: "/"),
        "supervisor queue": (supervisor_client, lambda: "/alerts/"),
        "queue stamp (poll)": (supervisor_client, lambda: "/api/alerts/stamp"),
    }
    for client, url in pages.values():  # warm caches and connections
        time_get(client, url())
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(SAMPLES):
        for name, (client, url) in pages.items():
            times[name].append(time_get(client, url()))
    baseline = [time_get(officer_client, "/healthz") for _ in range(SAMPLES)]
    return times, baseline


def _writer(targets: list[int], out: Any) -> None:
    """Child process (like the ingest worker beside the web server): raises tamper events
    arriving at EVENT_RATE. Sends back {participant: due time} and its duration."""
    from django.db import connections

    connections.close_all()  # never share the parent's sockets
    arrived: dict[int, float] = {}
    start = time.time()
    sent = 0
    while sent < len(targets):
        # Like an ingest worker draining its queue: every pass takes all events due by now
        # (at least one 100 ms tick's worth), so a slow pass is followed by a bigger batch.
        due_count = min(len(targets), max(sent + 1, int((time.time() - start) * EVENT_RATE)))
        if due_count <= sent:
            time.sleep(0.01)
            continue
        chunk = targets[sent:due_count]
        # Arrival is when each event was due at EVENT_RATE: a writer that falls behind counts
        # its backlog as latency.
        for n, pid in enumerate(chunk, start=sent):
            arrived[pid] = start + n / EVENT_RATE
        alert_raise_many(
            actor=SYSTEM,
            signals=[
                AlertSignal(
                    kind="strap_tamper",
                    occurred_at=clock.now(),
                    source="bench",
                    source_ref=f"tamper-{pid}",
                    participant_id=pid,
                )
                for pid in chunk
            ],
        )
        sent = due_count
        time.sleep(0.1)
    connections.close_all()
    out.send((arrived, time.time() - start))
    out.close()


def alert_latency(world: dict[str, Any]) -> tuple[list[float], int, float]:
    """A writer process raises tamper events at EVENT_RATE through alert_raise_many (the
    telemetry pipeline's call; no telemetry API in this branch) while this process polls the
    supervisor's queue API for new alerts; latency = first seen in the queue - arrival."""
    import multiprocessing

    from django.db import connections

    office = world["offices"][0]
    targets = list(
        Case.objects.filter(office=office)
        .exclude(participant__in=Alert.objects.filter(kind="strap_tamper").values("participant"))
        .values_list("participant_id", flat=True)[: EVENT_RATE * EVENT_SECONDS]
    )
    client = client_for(world["supervisor"])
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    writer = ctx.Process(target=_writer, args=(targets, send))
    seen: dict[int, float] = {}
    last = clock.now() - timedelta(seconds=1)
    writer.start()
    finished_at: float | None = None
    result: tuple[dict[int, float], float] | None = None
    while True:
        poll_start = clock.now()
        offset = 0
        while True:
            after = (last - timedelta(seconds=1)).isoformat().replace("+", "%2B")
            url = (
                "/api/alerts/?kind=strap_tamper&status=open&limit=200"
                f"&offset={offset}&opened_after={after}"
            )
            items = client.get(url).json()["items"]
            t = time.time()
            for item in items:
                seen.setdefault(item["participant_id"], t)
            if len(items) < 200:
                break
            offset += 200
        last = poll_start
        if result is None and receive.poll():
            result = receive.recv()
            finished_at = time.time()
        if finished_at is not None and (len(seen) >= len(targets) or t - finished_at > 30):
            break
        time.sleep(0.2)
    writer.join()
    arrived, elapsed = result if result is not None else ({}, 1.0)
    latencies = [seen[pid] - t0 for pid, t0 in arrived.items() if pid in seen]
    missing = len(arrived) - len(latencies)
    return latencies, missing, len(arrived) / max(elapsed, 1e-9)


def main() -> None:
    print(f"console bench: scale={SCALE} database={ENGINE}", flush=True)
    world = build()
    times, baseline = page_times(world)
    all_times: list[float] = []
    for name, values in times.items():
        all_times += values
        print(
            f"  {name:22s} p50={statistics.median(values):7.1f} ms  p95={pct(values, 0.95):7.1f} ms"
        )
    base = statistics.median(baseline)
    p50, p95 = statistics.median(all_times), pct(all_times, 0.95)
    print(f"  baseline /healthz     p50={base:7.2f} ms  (pages p50 = {p50 / base:.0f}x baseline)")
    print(
        "  positions: 0 (the telemetry positions table is not in this branch; the track "
        "endpoint is measured answering 'no track data')"
    )
    latencies, missing, rate = alert_latency(world)
    p99 = pct(latencies, 0.99) if latencies else float("nan")
    print(
        f"  alert latency: {len(latencies)} tamper events at {rate:.0f}/s achieved, "
        f"p50={statistics.median(latencies):.2f} s p99={p99:.2f} s max={max(latencies):.2f} s, "
        f"{missing} never seen (target p99 < 60 s)"
    )
    print(f"console p50_ms={p50:.1f} p95_ms={p95:.1f} alert_latency_p99_s={p99:.2f}")


if __name__ == "__main__":
    main()
