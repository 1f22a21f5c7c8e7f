"""A focused timing of the fleet map's JSON (/map.json, issue 18): server time through the Django
test client for a supervisor whose office has ~10,000 participants with a last position (and
an officer's caseload of ~100), p50 / p95 over SAMPLES calls. Not the contract bench
(bench/console.py measures every page at full size); this one builds in ~1 minute.

PostgreSQL only: its own database FLEET_DB_NAME (default `atd_bench_fleet_json`), dropped and
rebuilt unless FLEET_REUSE=1 finds a complete one; its field keys are kept beside it in
var/bench-<database>. FLEET_OFFICES offices (default 2; 10 is the contract bench's table sizes)
of FLEET_PER_OFFICE participants each (default 10,000), ids interleaved between the offices as
they are in a real installation (so the audit entry's id list has no long runs), 100 officers
per office, devices of the three kinds, 30 % of participants with an open alert, last fixes
0-180 minutes old (some past the no-signal limit). The world is built by bench/_setup.py's
loaders, which bench/console.py uses too.

Besides the totals, each line's phases: the median time per request spent in the view's
collaborators (fleet_rows, open alerts, names, audit write, json, gzip when asked for) and in
the garbage collector (gc, which overlaps the others), timed inside the real requests; "rest"
is the remainder (session and user, scope, the row loop, the
response). The office is timed plain (as bench/console.py asks) and gzipped (as a browser
asks).

    FLEET_DB_NAME=atd_h_x nice -n 19 python bench/fleet_json.py
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

PER_OFFICE = int(os.environ.get("FLEET_PER_OFFICE", "10000"))
OFFICES = int(os.environ.get("FLEET_OFFICES", "2"))
OFFICERS_PER_OFFICE = 100
SAMPLES = int(os.environ.get("FLEET_SAMPLES", "60"))
PG_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("FLEET_DB_NAME", "atd_bench_fleet_json")
REUSE = os.environ.get("FLEET_REUSE") == "1"

from _setup import (  # noqa: E402
    alert_new,
    bench_var_dir,
    case_new,
    create_database,
    kept_database_opens,
    participant_new,
    staff_create,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "atd.config.settings"
# The database's field keys are kept beside it (var/bench-<database>), so FLEET_REUSE=1 opens
# the names of a database an earlier run built.
bench_var_dir("atd-bench-fleet-json-", keep_as=f"bench-{DB_NAME}")
os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")
os.environ["ATD_HTTPS"] = "0"


def _prepare_database() -> bool:
    """True when a complete database of an earlier run is reused."""
    import psycopg

    os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
    if REUSE:
        try:
            with psycopg.connect(f"{PG_URL}/{DB_NAME}") as db:
                row = db.execute("SELECT count(*) FROM telemetry_lastposition").fetchone()
        except psycopg.Error:
            row = None
        if row and row[0] == PER_OFFICE * OFFICES:
            return True
    create_database(f"{PG_URL}/postgres", DB_NAME)
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
from atd.people.models import Case, Office, Participant  # noqa: E402
from atd.telemetry.models import LastPosition  # noqa: E402

KINDS = ("gps_ankle", "gps_ankle", "wrist", "smartphone")


def build() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    offices, officer_rows, _ = staff_create(
        code="F",
        name="Fleet office",
        offices=OFFICES,
        officers_per_office=OFFICERS_PER_OFFICE,
        username="fleet",
        latitude_step=0.5,
    )
    officers: dict[int, list[Any]] = {}
    for officer in officer_rows:
        officers.setdefault(officer.office_id, []).append(officer)
    now = clock.now()
    rnd = random.Random(18)
    total = PER_OFFICE * OFFICES
    # Interleaved offices: each office gets exactly PER_OFFICE, in a shuffled order of ids.
    office_order = [o for o in offices for _ in range(PER_OFFICE)]
    rnd.shuffle(office_order)
    batch = 5000
    for start in range(0, total, batch):
        people = Participant.objects.bulk_create(
            participant_new(i, rnd, a_number_base=300_000_000, now=now)
            for i in range(start, min(start + batch, total))
        )
        cases = []
        for i, p in enumerate(people):
            office = office_order[start + i]
            officer = officers[office.pk][p.pk % OFFICERS_PER_OFFICE]
            cases.append(case_new(p, officer, office_id=office.pk, now=now))
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
        for c in cases:
            if rnd.random() < 0.3:
                opened = now - timedelta(minutes=rnd.randint(1, 60 * 48))
                status = rnd.choice(["open", "open", "acknowledged"])
                alerts.append(
                    alert_new(
                        c, kind="battery_low", severity="medium", opened=opened, status=status
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


PHASES = (
    ("fleet_rows", "fleet_rows"),
    ("alerts", "participant_ids_with_open_alerts"),
    ("names", "participant_names_in_scope"),
    ("names", "fleet_names"),
    ("audit", "audit_record"),
)


def instrument() -> dict[str, float]:
    """Wraps the view's collaborators (looked up by name in atd.console.fleet, so the phases
    are timed inside real requests) and gzip's compressor; returns the dict the times (ms) of
    the current request accumulate in."""
    import types

    import django.middleware.gzip as gzip_middleware

    from atd.console import fleet

    spent: dict[str, float] = {}

    def wrap(owner: Any, attr: str, label: str) -> None:
        original = getattr(owner, attr)

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + (time.perf_counter() - t) * 1000

        setattr(owner, attr, timed_call)

    for label, attr in PHASES:
        if hasattr(fleet, attr):
            wrap(fleet, attr, label)
    for module in ("orjson", "json"):  # whichever the view serializes with
        if hasattr(fleet, module):
            serializer = types.SimpleNamespace(dumps=getattr(fleet, module).dumps)
            wrap(serializer, "dumps", "json")
            setattr(fleet, module, serializer)
    wrap(gzip_middleware, "compress_string", "gzip")
    started: list[float] = []

    def collected(phase: str, info: dict[str, Any]) -> None:  # time in the garbage collector
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            spent["gc"] = spent.get("gc", 0.0) + (time.perf_counter() - started[0]) * 1000

    gc.callbacks.append(collected)
    return spent


def main() -> None:
    if not REUSED:
        build()
    elif not kept_database_opens():
        raise SystemExit(f"{DB_NAME}'s names do not open with var/bench-{DB_NAME}'s keys: drop it")
    users = get_user_model()
    office = Office.objects.order_by("pk").first()
    supervisor = users.objects.get(username="fleet_supervisor")
    officer = users.objects.filter(office=office, role=Role.CASE_OFFICER).order_by("pk").first()
    spent = instrument()
    runs: list[tuple[str, Any, dict[str, str]]] = [
        ("office (supervisor)", supervisor, {}),
        ("office, gzip", supervisor, {"HTTP_ACCEPT_ENCODING": "gzip"}),
        ("caseload", officer, {}),
    ]
    for name, user, headers in runs:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        _, first = timed(client, "/map.json", **headers)  # warm
        size = len(first.content)
        points = len(json.loads(first.content)["points"]) if not headers else 0
        times: list[float] = []
        requests: list[dict[str, float]] = []
        for _ in range(SAMPLES):
            spent.clear()
            times.append(timed(client, "/map.json", **headers)[0])
            own = sum(ms for label, ms in spent.items() if label != "gc")
            requests.append({**spent, "rest": times[-1] - own})
        labels = list(dict.fromkeys(label for r in requests for label in r if label != "gc"))
        phases = {label: [r.get(label, 0.0) for r in requests] for label in labels}
        gc_ms = [r.get("gc", 0.0) for r in requests]
        print(
            f"  map.json {name:20s} {points:6d} points {size / 1024:7.1f} KiB  "
            f"p50={statistics.median(times):7.1f} ms  p95={pct(times, 0.95):7.1f} ms "
            f"(n={SAMPLES})",
            flush=True,
        )
        print(
            "    phases p50 ms: "
            + "  ".join(f"{k}={statistics.median(v):.1f}" for k, v in phases.items())
            + f"  (gc mean={statistics.mean(gc_ms):.1f} max={max(gc_ms):.1f})",
            flush=True,
        )
    print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
