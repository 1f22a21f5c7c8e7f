"""Console benchmark: server time of the dashboard, alert queue and participant page, and the
time from a tamper event's arrival to the alert being visible in the queue at 200 events/s.

BENCH_SCALE=small: 3,000 participants and 300,000 positions; full (default): 100,000
participants, 100,000 devices and 10,000,000 positions over the last 30 days, in PostgreSQL (its
own database `atd_bench_console`, never the demo's; SQLite in a temp dir when PostgreSQL does not
answer, small scale only sensible there). Positions are written with one binary COPY built in
numpy (indexes dropped during the load, rebuilt after, then VACUUM ANALYZE). The measured
officer's caseload has a dense track (one fix a minute for the last 7 days, ~10,000 points each:
the map's worst case); every other participant gets the rest, spread over 30 days.

Alert latency goes through the real HTTP path: a uvicorn server (the `atd serve` app) runs on the
bench database; strap-open events arrive at EVENT_RATE per second and every TICK the writer
POSTs those due to /api/telemetry, each record authenticated by its own device's serial and key
(one request per event costs ~0.3 s of server time on this machine, so 200 single-event
requests a second cannot be served by two workers); this process polls the supervisor's queue
API; latency = first seen in the queue - the event's scheduled arrival (backlog counts).

Last line (the contract):
console p50_ms=<float> p95_ms=<float> alert_latency_p99_s=<float>
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SCALE = os.environ.get("BENCH_SCALE", "full")
SMALL = SCALE == "small"
PARTICIPANTS = 3_000 if SMALL else 100_000
POSITIONS = 300_000 if SMALL else 10_000_000
OFFICES = 2 if SMALL else 10
OFFICERS_PER_OFFICE = 10 if SMALL else 100  # full: 1,000 officers, ~100 cases each
OPEN_ALERT_SHARE = 0.3
SAMPLES = 15 if SMALL else 40
EVENT_RATE = 200  # tamper events per second
EVENT_SECONDS = 5 if SMALL else 20  # full: 4,000 events; the drain is what takes time
WRITER_THREADS = 4  # requests in flight at once
TICK = 0.2  # seconds between batches
SERVER_WORKERS = int(os.environ.get("BENCH_SERVER_WORKERS", "2"))
DENSE_DAYS = 7  # the measured officer's caseload: one fix a minute over the map's 7 days
SPARSE_DAYS = 30
PG_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB_NAME", "atd_bench_console")
DEVICE_KEY = "bench-device-key-{}"
# Development only: BENCH_REUSE=1 keeps a database built by an earlier run (page timings only,
# BENCH_SKIP_LATENCY=1 skips the tamper run). The reported figures come from a fresh build.
REUSE = os.environ.get("BENCH_REUSE") == "1"
SKIP_LATENCY = os.environ.get("BENCH_SKIP_LATENCY") == "1"
REUSED: list[bool] = []  # set by _choose_database: an earlier complete database is kept

from _setup import (  # noqa: E402
    alert_new,
    bench_var_dir,
    case_new,
    kept_database_opens,
    participant_new,
    staff_create,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "atd.config.settings"
# A kept database (BENCH_REUSE=1) keeps its field keys beside it, in var/bench-<database>.
bench_var_dir("atd-bench-console-", keep_as=f"bench-{DB_NAME}" if REUSE else "")
os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")
os.environ["ATD_HTTPS"] = "0"  # the in-process client and the bench server speak plain HTTP


def _bench_database_complete() -> bool:
    """An earlier run at this scale finished building (participants and positions loaded)."""
    import psycopg

    try:
        with psycopg.connect(f"{PG_URL}/{DB_NAME}") as conn:
            people = conn.execute("SELECT count(*) FROM people_participant").fetchone()
            state = conn.execute("SELECT count(*) FROM telemetry_devicestate").fetchone()
    except psycopg.Error:
        return False
    return bool(people and state and people[0] == PARTICIPANTS and state[0] == PARTICIPANTS)


def _choose_database() -> str:
    from atd.core.services_probe import service_answers

    if service_answers("postgres"):
        import psycopg

        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
            ).fetchone()
            if exists and REUSE:
                exists = _bench_database_complete()
            REUSED.append(bool(REUSE and exists))
            if not (REUSE and exists):
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
from atd.checkins.models import CheckinWindow  # noqa: E402
from atd.core import clock  # noqa: E402
from atd.court.models import Hearing  # noqa: E402
from atd.devices.models import Device  # noqa: E402
from atd.devices.rules import credential_hash  # noqa: E402
from atd.people.models import Address, Case, Office, Participant  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build() -> dict[str, Any]:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    offices, officers, supervisor = staff_create(
        code="B",
        name="Bench office",
        offices=OFFICES,
        officers_per_office=OFFICERS_PER_OFFICE,
        username="bench",
    )
    now = clock.now()
    rnd = random.Random(7)
    batch = 5000
    for start in range(0, PARTICIPANTS, batch):
        people = Participant.objects.bulk_create(
            participant_new(i, rnd, a_number_base=200_000_000, now=now)
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
            cases.append(case_new(p, officer, office_id=officer.office_id, now=now))
        Case.objects.bulk_create(cases)
        Device.objects.bulk_create(
            Device(
                serial=f"BD{p.pk}",
                kind="gps_ankle",
                status="assigned",
                office_id=c.office_id,
                participant=p,
                credential_hash=credential_hash(DEVICE_KEY.format(p.pk)),
                created_at=now,
            )
            for p, c in zip(people, cases, strict=True)
        )
        alerts = []
        for c in cases:
            if rnd.random() < OPEN_ALERT_SHARE:
                kind = rnd.choice(["battery_low", "no_signal", "zone_exit", "missed_checkin"])
                opened = now - timedelta(minutes=rnd.randint(1, 60 * 48))
                severity = "high" if kind in ("zone_exit", "missed_checkin") else "medium"
                alerts.append(alert_new(c, kind=kind, severity=severity, opened=opened))
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
        # Weekly check-ins: each person's window is due on one weekday (so ~1/7 today), the
        # last one closed as completed or (10 %) missed; one hearing each in the next 90 days.
        today = now.date()
        windows = []
        for p, c in zip(people, cases, strict=True):
            due = today - timedelta(days=p.pk % 7)
            opens = now.replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(
                days=p.pk % 7
            )
            status = "open" if due == today else ("missed" if p.pk % 10 == 0 else "completed")
            windows.append(
                CheckinWindow(
                    participant=p,
                    case=c,
                    source="plan",
                    mode="remote",
                    due_date=due,
                    opens_at=opens,
                    closes_at=opens + timedelta(days=1),
                    status=status,
                    closed_at=None if status == "open" else opens + timedelta(days=1),
                    created_at=now - timedelta(days=30),
                )
            )
        CheckinWindow.objects.bulk_create(windows)
        Hearing.objects.bulk_create(
            Hearing(
                participant=p,
                case=c,
                scheduled_at=now + timedelta(hours=(p.pk * 37) % (90 * 24)),
                court_name="Immigration Court (synthetic)",
                hearing_type="master",
                recorded_at=now,
                recorded_by="bench",
            )
            for p, c in zip(people, cases, strict=True)
        )
    print(
        f"built {PARTICIPANTS} participants, {Alert.objects.count()} alerts, "
        f"{len(officers)} officers in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    caseload = Case.objects.filter(officer=officers[0]).values_list("participant_id", flat=True)
    dense = list(caseload)[: 10 if SMALL else None]
    load_positions(now, dense)
    if connection.vendor == "postgresql":
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE in {time.perf_counter() - t:.1f} s", flush=True)
    return {"officer": officers[0], "supervisor": supervisor, "offices": offices, "dense": dense}


# PostgreSQL binary COPY (https://www.postgresql.org/docs/current/sql-copy.html): per row an
# int16 field count, then per field an int32 length and the big-endian value; timestamps are
# microseconds since 2000-01-01 UTC. One numpy record per row: no Python loop over 10 M rows.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_TRAILER = b"\xff\xff"
_PG_EPOCH = 946_684_800
_POSITION_COLUMNS = (
    ("device_id", ">i8"),
    ("participant_id", ">i8"),
    ("fix_time", ">i8"),
    ("received_at", ">i8"),
    ("lat", ">f8"),
    ("lon", ">f8"),
    ("accuracy_m", ">f8"),
    ("battery", ">i2"),
)
_POSITION_DTYPE = [("n", ">i2")] + [
    item for name, kind in _POSITION_COLUMNS for item in ((f"len_{name}", ">i4"), (name, kind))
]


def _position_chunk(
    participant: Any, device: Any, unix_s: Any, lat: Any, lon: Any, rng: Any
) -> bytes:
    import numpy as np

    rows = np.zeros(len(participant), dtype=_POSITION_DTYPE)
    rows["n"] = len(_POSITION_COLUMNS)
    for name, kind in _POSITION_COLUMNS:
        rows[f"len_{name}"] = int(kind[-1])
    micros = (unix_s.astype(np.int64) - _PG_EPOCH) * 1_000_000
    rows["device_id"] = device
    rows["participant_id"] = participant
    rows["fix_time"] = micros
    rows["received_at"] = micros + 2_000_000
    rows["lat"] = lat
    rows["lon"] = lon
    rows["accuracy_m"] = rng.uniform(3, 25, len(participant))
    rows["battery"] = rng.integers(20, 100, len(participant))
    return rows.tobytes()


def _position_chunks(now: datetime, dense: list[int]) -> Any:
    """Yields (bytes, rows). Dense participants: one fix a minute for DENSE_DAYS, a smooth loop
    around home with GPS noise (the map draws a real track). Everyone else: the remaining rows
    spread evenly over SPARSE_DAYS (distinct times per device by construction)."""
    import numpy as np

    rng = np.random.default_rng(5)
    # Read before the COPY starts: the connection is busy for the COPY's whole length.
    ids = np.array(sorted(Participant.objects.values_list("pk", flat=True)), dtype=np.int64)
    device_of = dict(Device.objects.values_list("participant_id", "pk"))
    devices = np.array([device_of[int(pid)] for pid in ids], dtype=np.int64)
    return _position_rows(now, dense, ids, devices, device_of, rng)


def _position_rows(
    now: datetime, dense: list[int], ids: Any, devices: Any, device_of: dict[int, int], rng: Any
) -> Any:
    import numpy as np

    end = int(now.timestamp()) - 30
    minutes = DENSE_DAYS * 24 * 60
    dense_set = set(dense)
    for pid in dense:
        t = end - np.arange(minutes, 0, -1, dtype=np.int64) * 60
        phase = (t - t[0]) / 86_400 * 2 * np.pi  # one loop a day
        lat = 41.88 + 0.02 * np.sin(phase) + rng.normal(0, 0.0001, minutes) + (pid % 50) * 0.002
        lon = -87.63 + 0.03 * np.cos(phase) + rng.normal(0, 0.0001, minutes)
        yield (
            _position_chunk(
                np.full(minutes, pid), np.full(minutes, device_of[pid]), t, lat, lon, rng
            ),
            minutes,
        )
    sparse_mask = np.array([int(pid) not in dense_set for pid in ids])
    sparse_ids, sparse_devices = ids[sparse_mask], devices[sparse_mask]
    per_person = max(1, -(-(POSITIONS - len(dense) * minutes) // max(1, len(sparse_ids))))
    step = SPARSE_DAYS * 86_400 // per_person
    chunk_people = max(1, 1_000_000 // per_person)
    for lo in range(0, len(sparse_ids), chunk_people):
        pids = sparse_ids[lo : lo + chunk_people]
        devs = sparse_devices[lo : lo + chunk_people]
        n = len(pids) * per_person
        participant = np.repeat(pids, per_person)
        device = np.repeat(devs, per_person)
        offset = np.repeat(pids % step, per_person)  # each device its own phase
        k = np.tile(np.arange(per_person, dtype=np.int64), len(pids))
        t = end - SPARSE_DAYS * 86_400 + offset + k * step
        lat = 41.88 + rng.normal(0, 0.05, n)
        lon = -87.63 + rng.normal(0, 0.05, n)
        yield _position_chunk(participant, device, t, lat, lon, rng), n


def load_positions(now: datetime, dense: list[int]) -> None:
    """POSITIONS rows into telemetry_position with one binary COPY (indexes rebuilt after),
    then the last position and device state of every participant from them."""
    from atd.telemetry.models import Position

    started = time.perf_counter()
    table = Position._meta.db_table
    total = 0
    if connection.vendor != "postgresql":
        # SQLite (small scale without PostgreSQL): the ORM, batch by batch.
        import numpy as np

        for chunk, _n in _position_chunks(now, dense):
            rows = np.frombuffer(chunk, dtype=_POSITION_DTYPE)
            Position.objects.bulk_create(
                (
                    Position(
                        device_id=int(r["device_id"]),
                        participant_id=int(r["participant_id"]),
                        fix_time=datetime.fromtimestamp(
                            int(r["fix_time"]) / 1e6 + _PG_EPOCH, tz=UTC
                        ),
                        received_at=now,
                        lat=float(r["lat"]),
                        lon=float(r["lon"]),
                        accuracy_m=float(r["accuracy_m"]),
                        battery=int(r["battery"]),
                    )
                    for r in rows
                ),
                batch_size=5000,
            )
            total += len(rows)
    else:
        columns = ", ".join(name for name, _ in _POSITION_COLUMNS)
        from atd.telemetry.partitions import partitions_create_ahead

        # Day partitions as the periodic job keeps them in production (ADR 0017).
        made = partitions_create_ahead(now=now, days_back=31, days_ahead=1)
        print(f"  {len(made)} day partition(s) of positions", flush=True)
        with connection.cursor() as cur:
            # The bench's own database: drop the two indexes for the load, rebuild them after
            # (one sort each instead of 10 M random index inserts).
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT position_unique_fix")
            cur.execute("DROP INDEX position_participant")
            raw = cur.cursor  # psycopg 3 cursor under Django's wrapper
            chunks = _position_chunks(now, dense)  # its reads run before the COPY
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(_COPY_SIGNATURE)
                for chunk, n in chunks:
                    copy.write(chunk)
                    total += n
                copy.write(_COPY_TRAILER)
            loaded = time.perf_counter()
            print(f"  COPY {total} positions in {loaded - started:.1f} s", flush=True)
            cur.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT position_unique_fix "
                "UNIQUE (device_id, fix_time)"
            )
            cur.execute(f"CREATE INDEX position_participant ON {table} (participant_id, fix_time)")
            print(f"  indexes rebuilt in {time.perf_counter() - loaded:.1f} s", flush=True)
    with connection.cursor() as cur:
        # Last position / device state as the pipeline would have left them.
        newest = (
            "SELECT p.id AS participant_id, l.device_id, l.fix_time, l.lat, l.lon, "
            "l.accuracy_m, l.battery FROM people_participant p CROSS JOIN LATERAL (SELECT * "
            f"FROM {table} x WHERE x.participant_id = p.id ORDER BY x.fix_time DESC LIMIT 1) l"
            if connection.vendor == "postgresql"
            else "SELECT * FROM (SELECT participant_id, device_id, fix_time, lat, lon, "
            "accuracy_m, battery, ROW_NUMBER() OVER (PARTITION BY participant_id ORDER BY "
            f"fix_time DESC) AS rn FROM {table}) WHERE rn = 1"
        )
        cur.execute(
            "INSERT INTO telemetry_lastposition "
            "(participant_id, device_id, fix_time, lat, lon, accuracy_m, battery, updated_at) "
            "SELECT participant_id, device_id, fix_time, lat, lon, accuracy_m, battery, "
            f"fix_time FROM ({newest}) newest"
        )
        cur.execute(
            "INSERT INTO telemetry_devicestate (device_id, participant_id, last_contact_at, "
            "last_fix_time, last_lat, last_lon, battery, battery_level, charging, strap_open) "
            "SELECT device_id, participant_id, fix_time, fix_time, lat, lon, battery, 'ok', "
            "false, false FROM telemetry_lastposition"
        )
    print(
        f"positions: {total} rows ({len(dense)} participants with a 1/min {DENSE_DAYS}-day "
        f"track) in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


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
    dense = world["dense"]
    officer_id = world["officer"].pk
    rnd = random.Random(11)
    pages = {
        "officer dashboard": (officer_client, lambda: "/"),
        "officer queue": (officer_client, lambda: "/alerts/"),
        "officer queue filtered": (
            officer_client,
            lambda: rnd.choice(["/alerts/?severity=high", "/alerts/?kind=no_signal&breached=1"]),
        ),
        "participant page": (officer_client, lambda: f"/participants/{rnd.choice(dense)}/"),
        "track json (7 days)": (
            officer_client,
            lambda: f"/participants/{rnd.choice(dense)}/track.json",
        ),
        "fleet map page": (officer_client, lambda: "/map/"),
        "fleet map json (caseload)": (officer_client, lambda: "/map.json"),
        "fleet map json (office)": (supervisor_client, lambda: "/map.json"),
        "device inventory": (supervisor_client, lambda: "/devices/"),
        "supervisor dashboard": (supervisor_client, lambda: "/"),
        "supervisor queue": (supervisor_client, lambda: "/alerts/"),
        "supervisor queue filtered": (
            supervisor_client,
            lambda: rnd.choice(
                [
                    f"/alerts/?officer={officer_id}",
                    "/alerts/?severity=medium&older_than_hours=24",
                    "/alerts/?breached=1&page=3",
                    "/alerts/?kind=zone_exit&status=open",
                ]
            ),
        ),
        "queue stamp (poll)": (supervisor_client, lambda: "/api/alerts/stamp"),
    }
    for client, url in pages.values():  # warm caches and connections
        time_get(client, url())
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(SAMPLES):
        for name, (client, url) in pages.items():
            times[name].append(time_get(client, url()))
    baseline = [time_get(officer_client, "/healthz") for _ in range(SAMPLES)]
    track = officer_client.get(f"/participants/{dense[0]}/track.json").json()
    print(
        f"  track of participant {dense[0]}: {track['point_count']} fixes in 7 days, "
        f"{len(track['points'])} drawn",
        flush=True,
    )
    return times, baseline


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], int]:
    """The production web app (uvicorn, as `atd serve`) on the bench database."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "atd.config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(SERVER_WORKERS),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the bench web server did not start")


class TamperWriter(threading.Thread):
    """Devices' strap-open events arriving at EVENT_RATE (event n is due at start + n /
    EVENT_RATE). Every TICK the writer posts all events due and not yet sent as one request,
    each record carrying its own device's serial and key (as a concentrator forwarding its
    devices' messages would); up to WRITER_THREADS requests are in flight, so a slow server
    gets bigger batches and its backlog counts as latency."""

    def __init__(self, port: int, targets: list[int]) -> None:
        super().__init__(daemon=True)
        self.port, self.targets = port, targets
        self.due: dict[int, float] = {}
        self.failed: list[str] = []
        self.requests = 0
        self.sent = 0
        self.elapsed = 0.0  # start to the last event handed to a sender (the arrival span)
        self.drained = 0.0  # start to the last response

    def _post(self, conn: http.client.HTTPConnection, pids: list[int]) -> None:
        now = datetime.now(UTC).isoformat()
        body = json.dumps(
            [
                {
                    "device": f"BD{pid}",
                    "key": DEVICE_KEY.format(pid),
                    "event": "strap_open",
                    "time": now,
                }
                for pid in pids
            ]
        )
        try:
            conn.request(
                "POST", "/api/telemetry", body=body, headers={"Content-Type": "application/json"}
            )
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                self.failed.append(f"{response.status} {payload[:200]!r}")
        except OSError as exc:
            self.failed.append(repr(exc))
            conn.close()

    def run(self) -> None:
        import queue

        work: queue.Queue[list[int] | None] = queue.Queue()

        def sender() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            while (pids := work.get()) is not None:
                self._post(conn, pids)
                work.task_done()
            conn.close()

        senders = [threading.Thread(target=sender, daemon=True) for _ in range(WRITER_THREADS)]
        for t in senders:
            t.start()
        start = time.time()
        sent = 0
        while sent < len(self.targets):
            due_count = min(len(self.targets), int((time.time() - start) * EVENT_RATE) + 1)
            if due_count > sent:
                chunk = self.targets[sent:due_count]
                for n, pid in enumerate(chunk, start=sent):
                    self.due[pid] = start + n / EVENT_RATE
                # Wait for a free sender: a batch is formed only when it can be sent.
                while work.unfinished_tasks >= WRITER_THREADS:
                    time.sleep(0.005)
                    due_count = min(len(self.targets), int((time.time() - start) * EVENT_RATE) + 1)
                chunk = self.targets[sent:due_count]
                for n, pid in enumerate(chunk, start=sent):
                    self.due.setdefault(pid, start + n / EVENT_RATE)
                work.put(chunk)
                self.requests += 1
                sent = due_count
                self.elapsed = time.time() - start
            if sent < len(self.targets):
                time.sleep(TICK)
        work.join()
        for _ in senders:
            work.put(None)
        for t in senders:
            t.join()
        self.sent = sent
        self.drained = time.time() - start


def alert_latency(world: dict[str, Any]) -> tuple[list[float], int, float, list[str]]:
    """Tamper events through POST /api/telemetry (a separate uvicorn server; every record
    authenticated by its own device's serial and key) while this process polls the
    supervisor's queue API for new alerts; latency = first seen in the queue - the event's
    scheduled arrival."""
    office = world["offices"][0]
    targets = list(
        Case.objects.filter(office=office)
        .exclude(participant__in=Alert.objects.filter(kind="strap_tamper").values("participant"))
        .values_list("participant_id", flat=True)[: EVENT_RATE * EVENT_SECONDS]
    )
    client = client_for(world["supervisor"])
    server, port = start_server()
    try:
        writer = TamperWriter(port, targets)
        seen: dict[int, float] = {}
        begun = time.time()
        writer.start()
        finished_at: float | None = None
        while True:
            # An alert's opened_at is its event's time, which is no earlier than the event's
            # scheduled arrival: asking for alerts opened after the earliest arrival not yet
            # seen (less a margin) finds every outstanding one however slow the server is.
            pending = [due for pid, due in list(writer.due.items()) if pid not in seen]
            since = min(pending) if pending else time.time()
            after = datetime.fromtimestamp(max(begun, since) - 2, tz=UTC)
            after_q = after.isoformat().replace("+", "%2B")
            offset = 0
            t = time.time()
            while True:
                url = (
                    "/api/alerts/?kind=strap_tamper&status=open&limit=200"
                    f"&offset={offset}&opened_after={after_q}"
                )
                items = client.get(url).json()["items"]
                t = time.time()
                for item in items:
                    seen.setdefault(item["participant_id"], t)
                if len(items) < 200:
                    break
                offset += 200
            if finished_at is None and not writer.is_alive():
                finished_at = time.time()
            if finished_at is not None and (len(seen) >= len(targets) or t - finished_at > 60):
                break
            time.sleep(0.2)
        writer.join()
        open_connections = database_connections()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    latencies = [seen[pid] - t0 for pid, t0 in writer.due.items() if pid in seen]
    missing = len(writer.due) - len(latencies)
    print(
        f"  {writer.requests} POST /api/telemetry requests (~{writer.sent / max(writer.requests, 1):.0f}"
        f" events each); {open_connections} connections open on the bench database at the end",
        flush=True,
    )
    print(
        f"  {writer.sent} events due at {EVENT_RATE}/s (latency counts from each one's due time);"
        f" batches handed to the server over {writer.elapsed:.2f} s (a batch waits for a free"
        f" connection); last response {writer.drained:.2f} s after the first event",
        flush=True,
    )
    return latencies, missing, writer.sent / max(writer.elapsed, 1e-9), writer.failed


def reuse_world() -> dict[str, Any] | None:
    users = get_user_model()
    if not (REUSED and REUSED[0]):
        return None
    if not kept_database_opens():
        raise SystemExit(
            f"{DB_NAME} was sealed under other keys than var/bench-{DB_NAME}'s (built by a run "
            "without BENCH_REUSE=1): drop it and run again with BENCH_REUSE=1"
        )
    officer = users.objects.filter(username__startswith="bench_officer_").order_by("pk").first()
    caseload = Case.objects.filter(officer=officer).values_list("participant_id", flat=True)
    print("reusing the database of an earlier run", flush=True)
    return {
        "officer": officer,
        "supervisor": users.objects.get(username="bench_supervisor"),
        "offices": list(Office.objects.order_by("pk")),
        "dense": list(caseload)[: 10 if SMALL else None],
    }


def database_connections() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cur.fetchone()[0])


def main() -> None:
    print(f"console bench: scale={SCALE} database={ENGINE}", flush=True)
    world = reuse_world() or build()
    times, baseline = page_times(world)
    all_times: list[float] = []
    for name, values in times.items():
        all_times += values
        print(
            f"  {name:26s} p50={statistics.median(values):7.1f} ms  p95={pct(values, 0.95):7.1f} ms"
        )
    base = statistics.median(baseline)
    p50, p95 = statistics.median(all_times), pct(all_times, 0.95)
    print(
        f"  baseline /healthz          p50={base:7.2f} ms  (pages p50 = {p50 / base:.0f}x baseline)"
    )
    print(f"  load average: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}", flush=True)
    if SKIP_LATENCY:
        print(f"console p50_ms={p50:.1f} p95_ms={p95:.1f} alert_latency_p99_s=nan")
        return
    latencies, missing, rate, failed = alert_latency(world)
    p99 = pct(latencies, 0.99) if latencies else float("nan")
    print(
        f"  alert latency (POST /api/telemetry, {SERVER_WORKERS} uvicorn workers): "
        f"{len(latencies)} tamper events due at {EVENT_RATE}/s, handed at {rate:.1f}/s, "
        f"p50={statistics.median(latencies):.2f} s p99={p99:.2f} s max={max(latencies):.2f} s, "
        f"{missing} never seen, {len(failed)} requests failed (target p99 < 60 s)"
    )
    if failed:
        print(f"  first failures: {failed[:3]}")
    print(f"  load average: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}", flush=True)
    print(f"console p50_ms={p50:.1f} p95_ms={p95:.1f} alert_latency_p99_s={p99:.2f}")


if __name__ == "__main__":
    main()
