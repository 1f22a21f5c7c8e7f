"""A focused timing of the fleet map's JSON (/map.json, issue 18): server time through the Django
test client for a supervisor whose office has ~10,000 participants with a last position (and
an officer's caseload of ~100), p50 / p95 over SAMPLES calls. Not the contract bench
(bench/console.py measures every page at full size); this one builds in ~1 minute.

PostgreSQL only: its own database FLEET_DB_NAME (default `atd_bench_fleet_json`), dropped and
rebuilt unless FLEET_REUSE=1 finds a complete one. FLEET_OFFICES offices (default 2; 10 is the
contract bench's table sizes) of FLEET_PER_OFFICE participants each (default 10,000), ids interleaved between the offices as they are in a real installation
(so the audit entry's id list has no long runs), 100 officers per office, devices of the three
kinds, 30 % of participants with an open alert, last fixes 0-180 minutes old (some past the
no-signal limit).

    FLEET_DB_NAME=atd_h_x nice -n 19 python bench/fleet_json.py
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

PER_OFFICE = int(os.environ.get("FLEET_PER_OFFICE", "10000"))
OFFICES = int(os.environ.get("FLEET_OFFICES", "2"))
OFFICERS_PER_OFFICE = 100
SAMPLES = int(os.environ.get("FLEET_SAMPLES", "60"))
PG_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("FLEET_DB_NAME", "atd_bench_fleet_json")
REUSE = os.environ.get("FLEET_REUSE") == "1"

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "atd.config.settings"
os.environ["ATD_VAR_DIR"] = tempfile.mkdtemp(prefix="atd-bench-fleet-")
os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")
os.environ["ATD_HTTPS"] = "0"


def _prepare_database() -> bool:
    """True when a complete database of an earlier run is reused."""
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and REUSE:
            with psycopg.connect(f"{PG_URL}/{DB_NAME}") as db:
                try:
                    row = db.execute("SELECT count(*) FROM telemetry_lastposition").fetchone()
                except psycopg.Error:
                    row = None
            if row and row[0] == PER_OFFICE * OFFICES:
                os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
                return True
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
    return False


REUSED = _prepare_database()

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from atd.alerts.models import Alert  # noqa: E402
from atd.core import clock  # noqa: E402
from atd.core.roles import Role  # noqa: E402
from atd.devices.models import Device  # noqa: E402
from atd.people.models import Case, Office, Organisation, Participant  # noqa: E402
from atd.telemetry.models import LastPosition  # noqa: E402
from atd.testing.world import mfa_enroll  # noqa: E402

KINDS = ("gps_ankle", "gps_ankle", "wrist", "smartphone")


def build() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    users = get_user_model()
    org = Organisation.objects.create(name="Bench agency (synthetic)", kind="agency")
    offices = [
        Office.objects.create(
            code=f"F{i:02d}",
            name=f"Fleet office {i}",
            timezone="America/Chicago",
            organisation=org,
            latitude=41.88 + i * 0.5,
            longitude=-87.63,
        )
        for i in range(OFFICES)
    ]
    officers = {
        o.pk: users.objects.bulk_create(
            users(
                username=f"fleet_officer_{o.pk}_{n}",
                role=Role.CASE_OFFICER,
                office=o,
                first_name="Officer",
                last_name=f"{o.code}-{n}",
            )
            for n in range(OFFICERS_PER_OFFICE)
        )
        for o in offices
    }
    supervisor = users.objects.create_user(
        username="fleet_supervisor", password=None, role=Role.SUPERVISOR, office=offices[0]
    )
    mfa_enroll(supervisor)
    mfa_enroll(officers[offices[0].pk][0])
    now = clock.now()
    rnd = random.Random(18)
    total = PER_OFFICE * OFFICES
    # Interleaved offices: each office gets exactly PER_OFFICE, in a shuffled order of ids.
    office_order = [o for o in offices for _ in range(PER_OFFICE)]
    rnd.shuffle(office_order)
    batch = 5000
    for start in range(0, total, batch):
        people = Participant.objects.bulk_create(
            Participant(
                a_number=f"{300000000 + i}",
                given_names=rnd.choice(["Ana", "João", "Luis", "María", "José"]),
                first_surname=rnd.choice(["Pérez", "Silva", "Núñez", "García", "Souza"]),
                second_surname="Bench",
                date_of_birth=date(1990, 1, 2),
                sex="F",
                country_of_citizenship="HN",
                languages=["es"],
                preferred_language="es",
                phone="+1 312 555 0100",
                search_name=f"participant {i}",
                created_at=now,
            )
            for i in range(start, min(start + batch, total))
        )
        cases = []
        for i, p in enumerate(people):
            office = office_order[start + i]
            officer = officers[office.pk][p.pk % OFFICERS_PER_OFFICE]
            cases.append(
                Case(
                    participant=p,
                    release_type="parole",
                    release_date=date(2026, 1, 5),
                    office_id=office.pk,
                    officer=officer,
                    status="active",
                    opened_at=now,
                )
            )
        Case.objects.bulk_create(cases)
        devices = Device.objects.bulk_create(
            Device(
                serial=f"FD{p.pk}",
                kind=rnd.choice(KINDS),
                status="assigned",
                office_id=c.office_id,
                participant=p,
                credential_hash="x",
                created_at=now,
            )
            for p, c in zip(people, cases, strict=True)
        )
        LastPosition.objects.bulk_create(
            LastPosition(
                participant=p,
                device=d,
                fix_time=now - timedelta(seconds=rnd.randint(0, 180 * 60)),
                lat=41.88 + (c.office_id - offices[0].pk) * 0.5 + rnd.gauss(0, 0.08),
                lon=-87.63 + rnd.gauss(0, 0.1),
                accuracy_m=8.0,
                battery=80,
                updated_at=now,
            )
            for p, c, d in zip(people, cases, devices, strict=True)
        )
        alerts = []
        for p, c in zip(people, cases, strict=True):
            if rnd.random() < 0.3:
                opened = now - timedelta(minutes=rnd.randint(1, 60 * 48))
                alerts.append(
                    Alert(
                        participant=p,
                        case=c,
                        office_id=c.office_id,
                        officer_id=c.officer_id,
                        kind="battery_low",
                        severity="medium",
                        title="Battery low",
                        status=rnd.choice(["open", "open", "acknowledged"]),
                        opened_at=opened,
                        first_event_at=opened,
                        last_event_at=opened,
                        ack_due_at=opened + timedelta(hours=4),
                    )
                )
        Alert.objects.bulk_create(alerts)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"built {total} participants in {time.perf_counter() - started:.1f} s", flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(client: Client, url: str, **headers: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = (time.perf_counter() - t) * 1000
    if response.status_code not in (200, 304):
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, response


def main() -> None:
    if not REUSED:
        build()
    users = get_user_model()
    office = Office.objects.order_by("pk").first()
    supervisor = users.objects.get(username="fleet_supervisor")
    officer = users.objects.filter(office=office, role=Role.CASE_OFFICER).order_by("pk").first()
    runs: list[tuple[str, Any]] = [("office (supervisor)", supervisor), ("caseload", officer)]
    for name, user in runs:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        _, first = timed(client, "/map.json")  # warm
        size = len(first.content)
        points = len(first.json()["points"])
        times = [timed(client, "/map.json")[0] for _ in range(SAMPLES)]
        print(
            f"  map.json {name:20s} {points:6d} points {size / 1024:7.1f} KiB  "
            f"p50={statistics.median(times):7.1f} ms  p95={pct(times, 0.95):7.1f} ms "
            f"(n={SAMPLES})",
            flush=True,
        )
    print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
