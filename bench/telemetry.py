"""Telemetry benchmark: simulated pings from many devices with zones through the whole
pipeline (decode, authenticate, validate, dedupe, order, store, last position, detectors,
alerts) on PostgreSQL and on SQLite, against a raw bulk load of the same rows into the same
table measured in the same run (COPY on PostgreSQL, executemany on SQLite); then an MQTT
end-to-end rate through Mosquitto with the real ingest worker.

Batches: 10,000 records each = 10 minutes of one-a-minute fixes from 1,000 devices (a
gateway or devices uploading every 10 minutes). Detector alerts are cross-checked against a
slow, one-point-at-a-time reference evaluation on a sample of participants.

`BENCH_SCALE=small` runs 50,000 pings from 1,000 devices in batches of 5,000 (under a
minute); the full scale is 1,000,000 pings from 10,000 devices. Each database phase runs in
its own process on its own throw-away database (never the demo's). On PostgreSQL the pipeline
runs on BENCH_WORKERS ingest workers (default: one per core), each a process with its own
connection taking whole device chunks, and the raw baseline is the faster of a one-connection
and a BENCH_WORKERS-connection binary COPY; SQLite (one writer) runs one.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCALE = os.environ.get("BENCH_SCALE", "full")
SMALL = SCALE == "small"
DEVICES = 1_000 if SMALL else 10_000
PINGS = 50_000 if SMALL else 1_000_000
MQTT_MESSAGES = 3_000 if SMALL else 30_000
PER_BATCH_DEVICES = 500 if SMALL else 1_000  # small: two device chunks, one per worker
WINDOW = 10  # pings per device per batch
CENTER = (41.8781, -87.6298)
PG_DB = "atd_bench_telemetry"
# PostgreSQL pipeline workers (processes, one connection each); one per core by default.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))


# --- set-up ---------------------------------------------------------------------------------


def django_for(phase: str) -> Path:
    var = Path(tempfile.mkdtemp(prefix="atd-bench-telemetry-"))
    os.environ["ATD_VAR_DIR"] = str(var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "atd.config.settings"
    os.environ["ATD_TASKS_IMMEDIATE"] = "1"
    os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")
    # ATD_TASKS_IMMEDIATE makes settings think they run under tests; keep production's cache.
    os.environ.setdefault("ATD_TELEMETRY_ZONE_CACHE_S", "900")
    if phase == "postgres":
        import psycopg

        base = os.environ.get("ATD_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + PG_DB
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0


# --- the synthetic world --------------------------------------------------------------------


def build_world(rng: random.Random) -> list[Any]:
    from atd.devices.models import Device
    from atd.devices.rules import credential_hash
    from atd.people.models import Office, Participant
    from atd.supervision.models import CurfewWindow, Zone
    from atd.telemetry.simulate import offset, sim_device

    now = datetime.now(UTC)
    office = Office.objects.create(
        code="CHI", name="Chicago (synthetic)", timezone="America/Chicago"
    )
    people = Participant.objects.bulk_create(
        [
            Participant(
                a_number=f"{200000000 + i}",
                given_names="Ana",
                first_surname="Synthetic",
                date_of_birth=datetime(1990, 1, 1).date(),
                country_of_citizenship="HN",
                created_at=now,
            )
            for i in range(DEVICES)
        ],
        batch_size=2000,
    )
    sims = []
    devices = []
    for i, person in enumerate(people):
        serial = f"B-{i:06d}"
        secret = f"bench-secret-{i:06d}-{rng.random():.12f}"
        sim = sim_device(serial, secret, CENTER, rng)
        if i % 200 == 0:
            sim.battery = 21.0  # a few devices about to run low
        sim.state["participant_id"] = person.pk
        sims.append(sim)
        devices.append(
            Device(
                serial=serial,
                kind="gps_ankle",
                status="assigned",
                office=office,
                participant=person,
                credential_hash=credential_hash(secret),
                created_at=now,
            )
        )
    Device.objects.bulk_create(devices, batch_size=2000)
    zones = []
    for sim in sims:
        pid = sim.state["participant_id"]
        # Everyone: stay within 40 km of the city (an inclusion area rarely left).
        zones.append(
            Zone(
                participant_id=pid,
                name="Metro area",
                kind="inclusion",
                purpose="area",
                center_lat=CENTER[0],
                center_lon=CENTER[1],
                radius_m=40_000,
                created_at=now,
            )
        )
        zones.append(
            Zone(
                participant_id=pid,
                name="Home",
                kind="inclusion",
                purpose="home",
                center_lat=sim.home[0],
                center_lon=sim.home[1],
                radius_m=150,
                created_at=now,
            )
        )
    exclusion_of: dict[int, int] = {}
    for k, sim in enumerate(sims):
        if k % 100 == 7:  # 1 %: an exclusion polygon over their workplace
            lat, lon = sim.work
            ring = [
                offset((lat, lon), n, e)
                for n, e in ((-300, -300), (-300, 300), (300, 300), (300, -300), (-300, -300))
            ]
            zones.append(
                Zone(
                    participant_id=sim.state["participant_id"],
                    name="Excluded",
                    kind="exclusion",
                    purpose="excluded",
                    polygon=[[p[1], p[0]] for p in ring],
                    created_at=now,
                )
            )
            exclusion_of[sim.state["participant_id"]] = k
    created = Zone.objects.bulk_create(zones, batch_size=2000)
    home_zone = {z.participant_id: z.pk for z in created if z.purpose == "home"}
    curfews = []
    for k, sim in enumerate(sims):
        pid = sim.state["participant_id"]
        # Everyone has a 21:00-06:00 home curfew; 1 % are on Tokyo time, where it is night now.
        tz = "Asia/Tokyo" if k % 100 == 5 else "America/Chicago"
        curfews.append(
            CurfewWindow(
                participant_id=pid,
                zone_id=home_zone[pid],
                weekdays=list(range(7)),
                start=dtime(21, 0),
                end=dtime(6, 0),
                timezone=tz,
            )
        )
    CurfewWindow.objects.bulk_create(curfews, batch_size=2000)
    return sims


def track_start(now: datetime, minutes: int) -> datetime:
    """The simulated window starts at 13:50 UTC (07:50 on the simulated wearers' clock, 22:50
    in Tokyo) of the latest day on which it has ended 30 minutes before `now`: wearers commute
    out of their home zones to work (the 1 % with an exclusion zone over their workplace enter
    it) while the Tokyo 1 % are under curfew, so the zone, exclusion and curfew detectors, and
    the reference check of their alerts, have episodes whatever the hour the bench runs at
    (started from `now`, a run at 03:00 UTC saw none)."""
    start = now.replace(hour=13, minute=50, second=0, microsecond=0)
    if start + timedelta(minutes=minutes + 30) > now:
        start -= timedelta(days=1)
    return start


def make_batches(sims: list[Any], start: datetime) -> list[tuple[int, bytes]]:
    """Window-major batches (10 minutes of 1,000 devices each), generated a device chunk at a
    time so the full million records never sit in memory as dictionaries. Each batch comes
    with its device chunk's number: a worker takes whole chunks (see run_pipeline)."""
    from atd.telemetry.simulate import track

    per_device = PINGS // DEVICES
    by_window: dict[int, list[tuple[int, bytes]]] = {}
    for chunk, c in enumerate(range(0, len(sims), PER_BATCH_DEVICES)):
        windows: dict[int, list[dict[str, Any]]] = {}
        for s in sims[c : c + PER_BATCH_DEVICES]:
            n = -1
            for rec in track(s, start, per_device / 60.0, tamper_rate=0.00005, gap_rate=0.0):
                if "event" not in rec:
                    n += 1
                windows.setdefault(max(n, 0) // WINDOW, []).append(rec)
        for w, records in windows.items():
            by_window.setdefault(w, []).append((chunk, json.dumps(records).encode()))
    return [batch for w in sorted(by_window) for batch in by_window[w]]


# --- the phases -----------------------------------------------------------------------------


STEP_SECONDS: dict[str, float] = {}  # wall time per step (includes the database's work)
JSON_SECONDS = [0.0]
STEP_CPU: dict[str, float] = {}  # this process's CPU time per step (Python's own share)


def run_pipeline(batches: list[tuple[int, bytes]], workers: int = 1) -> tuple[float, int, int]:
    """Every batch through the pipeline, as `POST /api/telemetry` does it. With several workers
    (as a deployment runs several ingest processes), each is a forked process with its own
    database connection and takes whole device chunks (chunk % workers), so a device's batches
    stay in order on one worker, as routing devices to workers keeps them. (An MQTT shared
    subscription does not route by device; then the pipeline's device-state lock makes two
    workers' batches of one device take turns.)
    Timed from the moment every worker is connected and ready to the moment the last one has
    committed its last batch; the per-step times are summed over the workers."""
    workers = max(1, min(workers, len({chunk for chunk, _ in batches})))
    if workers == 1:
        return _run_batches([blob for _, blob in batches])
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the children each open their own
    ctx = multiprocessing.get_context("fork")
    ready, go, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    shares = [[blob for chunk, blob in batches if chunk % workers == w] for w in range(workers)]
    procs = [ctx.Process(target=_worker, args=(share, ready, go, results)) for share in shares]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get()
    started = time.perf_counter()
    go.set()
    outcomes = [results.get() for _ in procs]
    seconds = time.perf_counter() - started
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"an ingest worker failed (exit {proc.exitcode})")
    accepted = rejected = 0
    for outcome in outcomes:
        if "error" in outcome:
            raise SystemExit(f"an ingest worker failed: {outcome['error']}")
        accepted += outcome["accepted"]
        rejected += outcome["rejected"]
        for name, value in outcome["steps"].items():
            STEP_SECONDS[name] = STEP_SECONDS.get(name, 0.0) + value
        for name, value in outcome["cpu"].items():
            STEP_CPU[name] = STEP_CPU.get(name, 0.0) + value
        JSON_SECONDS[0] += outcome["json"]
    return seconds, accepted, rejected


def _worker(share: list[bytes], ready: Any, go: Any, results: Any) -> None:
    from django.db import connection

    signalled = False
    try:
        connection.ensure_connection()
        ready.put(True)
        signalled = True
        go.wait()
        _, accepted, rejected = _run_batches(share)
        results.put(
            {
                "accepted": accepted,
                "rejected": rejected,
                "steps": STEP_SECONDS,
                "cpu": STEP_CPU,
                "json": JSON_SECONDS[0],
            }
        )
    except BaseException as exc:  # the parent reports it and fails the run
        if not signalled:
            ready.put(False)
        results.put({"error": repr(exc)})
        raise


def _run_batches(batches: list[bytes]) -> tuple[float, int, int]:
    from atd.telemetry import pipeline
    from atd.telemetry.pipeline import Submission, pipeline_run
    from atd.telemetry.wire import json_loads

    def timed(step: Any) -> Any:
        def run(batch: Any) -> None:
            t = time.perf_counter()
            cpu = time.process_time()
            step(batch)
            name = step.__name__
            STEP_SECONDS[name] = STEP_SECONDS.get(name, 0.0) + time.perf_counter() - t
            STEP_CPU[name] = STEP_CPU.get(name, 0.0) + time.process_time() - cpu

        run.__name__ = step.__name__
        return run

    pipeline.STEPS = tuple(timed(s) for s in pipeline.STEPS)

    accepted = rejected = 0
    started = time.perf_counter()
    for blob in batches:
        t = time.perf_counter()
        records = json_loads(blob)  # what the HTTP endpoint does with a body
        JSON_SECONDS[0] += time.perf_counter() - t
        result = pipeline_run(submissions=[Submission(records)], via="http")
        accepted += result.accepted
        rejected += len(result.rejected)
    return time.perf_counter() - started, accepted, rejected


def _columns_of_rows(rows: list[tuple]) -> Any:
    """Stored position rows (store.COLUMNS order) -> FixColumns, for the binary baseline."""
    import numpy as np

    from atd.telemetry.rules.columns import FixColumns, micros_of

    n = len(rows)

    def floats(k: int) -> Any:
        return np.array([np.nan if r[k] is None else r[k] for r in rows], dtype=np.float64)

    return FixColumns(
        index=np.arange(n, dtype=np.int64),
        device_id=np.array([r[0] for r in rows], dtype=np.int64),
        participant_id=np.array([r[1] for r in rows], dtype=np.int64),
        time_us=np.array([micros_of(r[2]) for r in rows], dtype=np.int64),
        lat=floats(5),
        lon=floats(6),
        seq=np.array([r[4] or 0 for r in rows], dtype=np.int64),
        seq_null=np.array([r[4] is None for r in rows], dtype=bool),
        accuracy=floats(7),
        speed=floats(8),
        bearing=floats(9),
        altitude=floats(10),
        battery=floats(11),
        charging=np.full(n, -1, dtype=np.int8),
        flags=np.array([r[12] for r in rows], dtype=np.int16),
        attributes=[r[13] for r in rows],
        serial=[""] * n,
        secret=[None] * n,
    )


def _chunk_spans() -> tuple[list[tuple[int, int]], int]:
    """The stored positions as id ranges of 10,000 rows, and the highest id."""
    from atd.telemetry.models import Position

    ids = list(Position.objects.order_by("id").values_list("id", flat=True)[::10_000])
    last = Position.objects.order_by("-id").values_list("id", flat=True).first() or 0
    bounds = [*ids, last + 1]
    return list(zip(bounds, bounds[1:], strict=False)), last


def _chunk_take(lo: int, hi: int) -> list[tuple]:
    """The stored rows (store.COLUMNS) with ids in [lo, hi), deleted from the table."""
    from atd.telemetry.models import Position
    from atd.telemetry.store import COLUMNS

    chunk = Position.objects.filter(id__gte=lo, id__lt=hi)
    rows = [tuple(r) for r in chunk.values_list(*COLUMNS)]
    chunk.delete()
    return rows


def run_raw(*, binary: bool) -> tuple[float, int, float]:
    """The same position rows, straight into the same table: each chunk of 10,000 stored rows
    is read, deleted, and written again with no pipeline around it; only the writes are timed.
    Text: COPY row by row (PostgreSQL) / executemany (SQLite). Binary (PostgreSQL): the
    chunk's binary COPY payload is built first (not timed), then written as is: the fastest
    raw load there is, so the ratio is not flattered. Chunked, so the baseline never holds a
    million rows in memory. Returns (text seconds, rows, binary seconds)."""
    from django.db import transaction

    from atd.telemetry.models import Position
    from atd.telemetry.position_copy import positions_binary
    from atd.telemetry.rules.columns import micros_of
    from atd.telemetry.store import positions_copy_raw, positions_copy_raw_binary

    spans, last = _chunk_spans()
    seconds = binary_seconds = 0.0
    total = 0
    for lo, hi in spans:
        rows = _chunk_take(lo, hi)
        top = Position.objects.order_by("-id").values_list("id", flat=True).first() or 0
        started = time.perf_counter()
        with transaction.atomic():
            positions_copy_raw(rows)
        seconds += time.perf_counter() - started
        total += len(rows)
        if binary and rows:
            payload = positions_binary(_columns_of_rows(rows), micros_of(rows[0][3]))
            Position.objects.filter(id__gt=max(top, last)).delete()  # the text copy's rows
            started = time.perf_counter()
            with transaction.atomic():
                positions_copy_raw_binary(payload)
            binary_seconds += time.perf_counter() - started
    return seconds, total, binary_seconds


def run_raw_parallel(connections: int) -> tuple[float, int]:
    """The binary raw baseline on several connections at once, as the pipeline's workers
    write: chunks of 10,000 stored rows are read and deleted `connections` at a time (not
    timed), their payloads built (not timed), then written concurrently, one transaction per
    connection (timed). Returns (seconds, rows)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import transaction

    from atd.telemetry.position_copy import positions_binary
    from atd.telemetry.rules.columns import micros_of
    from atd.telemetry.store import positions_copy_raw_binary

    def write(payload: bytes) -> None:  # in a pool thread: its own connection
        with transaction.atomic():
            positions_copy_raw_binary(payload)

    spans, _ = _chunk_spans()
    seconds = 0.0
    total = 0
    with ThreadPoolExecutor(connections) as pool:
        for g in range(0, len(spans), connections):
            payloads = []
            for lo, hi in spans[g : g + connections]:
                rows = _chunk_take(lo, hi)
                if rows:
                    payloads.append(positions_binary(_columns_of_rows(rows), micros_of(rows[0][3])))
                    total += len(rows)
            started = time.perf_counter()
            list(pool.map(write, payloads))
            seconds += time.perf_counter() - started
    return seconds, total


def reference_check(sims: list[Any], sample: int = 60) -> tuple[int, int]:
    """Recomputes zone, exclusion and curfew episodes for a sample of participants with plain
    per-point code from the stored track, and compares with the alert events raised."""
    from atd.alerts.models import AlertEvent
    from atd.supervision.rules import curfew_active_at
    from atd.supervision.selectors import curfews_for_participants, zones_for_participants
    from atd.telemetry.config import telemetry_config
    from atd.telemetry.models import Position
    from atd.telemetry.rules.memory import ViolationState, violation_step
    from atd.telemetry.rules.zones import point_in_zone_slow, zone_shape

    rule = telemetry_config().persistence
    rng = random.Random(5)
    pids = [s.state["participant_id"] for s in sims]
    chosen = set(rng.sample(pids, min(sample, len(pids))))
    chosen |= {p for i, p in enumerate(pids) if i % 100 in (5, 7)}  # those likely to alert
    chosen = set(sorted(chosen)[: sample * 3])
    zones = zones_for_participants(chosen)
    curfews = curfews_for_participants(chosen)
    expected: set[str] = set()
    for pid in chosen:
        shapes = {
            z.id: (
                z,
                zone_shape(
                    z.id,
                    z.kind,
                    center_lat=z.center_lat,
                    center_lon=z.center_lon,
                    radius_m=z.radius_m,
                    polygon=z.polygon,
                ),
            )
            for z in zones.get(pid, [])
        }
        cf = curfews.get(pid, [])
        curfew_zone_ids = {c.zone_id for c in cf}
        states: dict[str, ViolationState] = {}
        for p in Position.objects.filter(participant_id=pid, flags=0).order_by("fix_time"):
            acc = p.accuracy_m or 0.0
            verdicts = {}
            for zid, (_, shape) in shapes.items():
                d = point_in_zone_slow(shape, p.lat, p.lon)
                verdicts[zid] = 1 if d > acc else (-1 if d < -acc else 0)
            verdict = verdicts.__getitem__

            obs: dict[str, int] = {}
            free = [
                verdict(zid)
                for zid, (z, _) in shapes.items()
                if z.kind == "inclusion" and zid not in curfew_zone_ids
            ]
            if free:
                obs["zones:inclusion"] = (
                    -1 if -1 in free else (1 if all(v == 1 for v in free) else 0)
                )
            for zid, (z, _) in shapes.items():
                if z.kind == "exclusion":
                    obs[f"zone:{zid}"] = -verdict(zid)
            for c in cf:
                obs[f"curfew:{c.id}"] = (
                    verdict(c.zone_id) if curfew_active_at(c, p.fix_time) else -1
                )
            for key, v in obs.items():
                state, fire = violation_step(states.get(key, ViolationState()), v, p.fix_time, rule)
                states[key] = state
                if fire and state.since is not None:
                    expected.add(f"{key}:{pid}:{state.since.isoformat()}")
    actual = set(
        AlertEvent.objects.filter(
            kind__in=["zone_exit", "zone_entry", "curfew"], alert__participant_id__in=chosen
        ).values_list("source_ref", flat=True)
    )
    return len(expected), len(expected ^ actual)


def run_mqtt(sims: list[Any], start: datetime) -> dict[str, Any]:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from atd.telemetry.models import Position
    from atd.telemetry.mqtt import session_forget, topic_for

    client_id = f"atd-bench-{uuid.uuid4().hex[:8]}"
    group = f"bench{uuid.uuid4().hex[:6]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "atd.cli",
            "manage",
            "ingest_mqtt",
            "--client-id",
            client_id,
            "--group",
            group,
            "--batch",
            "500",
        ],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert worker.stdout is not None
        line = worker.stdout.readline()
        if b"ready" not in line:
            raise RuntimeError("the MQTT ingest worker did not start")
        pub = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"pub-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        pub.connect("127.0.0.1", 1883)
        pub.loop_start()
        chosen = sims[: min(len(sims), 500)]
        device_ids = [s.state["device_id"] for s in chosen]
        baseline = Position.objects.filter(device_id__in=device_ids).count()
        per_device = MQTT_MESSAGES // len(chosen)
        messages = []
        for k in range(per_device):
            at = start + timedelta(seconds=k * 5)
            for s in chosen:
                rec = {
                    "seq": int(at.timestamp()),
                    "time": at.isoformat(),
                    "lat": s.home[0],
                    "lon": s.home[1],
                    "accuracy": 10,
                }
                messages.append(
                    (topic_for(s.serial), json.dumps({"key": s.secret, "records": [rec]}))
                )
        total = len(messages)
        started = time.perf_counter()
        sent = 0
        stored = 0
        while sent < total:
            # Flow control: Mosquitto drops messages queued beyond 1,000 per client by default.
            for topic, payload in messages[sent : sent + 250]:
                pub.publish(topic, payload, qos=1)
            sent = min(total, sent + 250)
            while True:
                stored = Position.objects.filter(device_id__in=device_ids).count() - baseline
                if sent - stored < 1_200:
                    break
                time.sleep(0.02)
        deadline = time.perf_counter() + 120
        while stored < total and time.perf_counter() < deadline:
            time.sleep(0.05)
            stored = Position.objects.filter(device_id__in=device_ids).count() - baseline
        seconds = time.perf_counter() - started
        time.sleep(1.0)
        rows = Position.objects.filter(device_id__in=device_ids, fix_time__gte=start)
        count = rows.count()
        distinct = rows.values("device_id", "seq").distinct().count()
        pub.loop_stop()
        pub.disconnect()
        return {
            "mqtt_pings_per_s": total / seconds,
            "lost": max(0, total - count),
            "duplicated": count - distinct,
            "mqtt_messages": total,
        }
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        session_forget(client_id)


def phase_mqtt() -> None:
    """`--phase mqtt`: only the MQTT end-to-end measurement, on its own fresh PostgreSQL
    database with 500 devices (for re-measuring it alone on a quiet broker)."""
    global DEVICES
    django_for("postgres")
    from atd.devices.models import Device

    DEVICES = 500
    sims = build_world(random.Random(42))
    ids = dict(Device.objects.values_list("serial", "id"))
    for s in sims:
        s.state["device_id"] = ids[s.serial]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    out = run_mqtt(sims, now - timedelta(minutes=20))
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def phase(name: str) -> None:
    if name == "mqtt":
        phase_mqtt()
        return
    django_for(name)
    from atd.alerts.models import AlertEvent
    from atd.devices.models import Device

    rng = random.Random(42)
    t0 = time.perf_counter()
    sims = build_world(rng)
    ids = dict(Device.objects.values_list("serial", "id"))
    for s in sims:
        s.state["device_id"] = ids[s.serial]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    per_device = PINGS // DEVICES
    start = track_start(now, per_device)
    batches = make_batches(sims, start)
    setup_s = time.perf_counter() - t0
    # PostgreSQL takes one ingest worker per core (a deployment runs several); SQLite has one
    # writer at a time, so one.
    workers = WORKERS if name == "postgres" else 1
    seconds, accepted, rejected = run_pipeline(batches, workers)
    from atd.telemetry.models import Position

    positions = Position.objects.count()
    alerts = AlertEvent.objects.count()
    by_kind = dict(
        (k, n)
        for k, n in AlertEvent.objects.values_list("kind")
        .order_by()
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
    )
    sample, mismatches = reference_check(sims)
    raw_text_s, raw_rows, raw_binary_s = run_raw(binary=name == "postgres")
    raw_parallel_s = 0.0
    if name == "postgres" and workers > 1:
        raw_parallel_s, _ = run_raw_parallel(workers)
    # The baseline is the fastest raw load measured: binary COPY on PostgreSQL, on one
    # connection or on as many as the pipeline had workers, whichever was faster.
    raw_s = min(t for t in (raw_binary_s, raw_parallel_s, raw_text_s) if t > 0)
    out: dict[str, Any] = {
        "phase": name,
        "setup_s": round(setup_s, 1),
        "batches": len(batches),
        "positions": positions,
        "accepted": accepted,
        "rejected": rejected,
        "pipeline_s": seconds,
        "pings_per_s": positions / seconds,
        "raw_s": raw_s,
        "raw_per_s": raw_rows / raw_s,
        "raw_text_per_s": raw_rows / raw_text_s,
        "raw_binary_per_s": raw_rows / raw_binary_s if raw_binary_s else None,
        "raw_parallel_per_s": raw_rows / raw_parallel_s if raw_parallel_s else None,
        "workers": workers,
        "alert_events": alerts,
        "alerts_by_kind": by_kind,
        "reference_episodes": sample,
        "reference_mismatches": mismatches,
        "step_seconds": {k: round(v, 2) for k, v in STEP_SECONDS.items()},
        "step_cpu_seconds": {k: round(v, 2) for k, v in STEP_CPU.items()},
        "decode_json_s": round(JSON_SECONDS[0], 2),
    }
    if name == "postgres" and os.environ.get("BENCH_MQTT", "1") == "1":
        out.update(run_mqtt(sims, now - timedelta(minutes=20)))
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        phase(sys.argv[2])
        return
    print(
        f"telemetry benchmark, scale={SCALE}: {PINGS:,} pings from {DEVICES:,} devices, "
        f"batches of {PER_BATCH_DEVICES * WINDOW:,} records"
    )
    results: dict[str, dict[str, Any]] = {}
    for name in ("postgres", "sqlite"):
        proc = subprocess.run(
            [sys.executable, __file__, "--phase", name], capture_output=True, text=True
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit(f"{name} phase failed")
        results[name] = json.loads(lines[-1])
        r = results[name]
        print(
            f"{name}: pipeline {r['pings_per_s']:,.0f} pings/s ({r['positions']:,} positions in "
            f"{r['pipeline_s']:.1f} s, {r['batches']} batches, {r['workers']} worker(s)); "
            f"raw bulk load {r['raw_per_s']:,.0f} rows/s (text {r['raw_text_per_s']:,.0f}, "
            f"binary {r['raw_binary_per_s'] or 0:,.0f}, binary on {r['workers']} connections "
            f"{r['raw_parallel_per_s'] or 0:,.0f}); "
            f"ratio {r['pings_per_s'] / r['raw_per_s']:.2f}; alert events {r['alert_events']} {r['alerts_by_kind']}; "
            f"reference check: {r['reference_episodes']} episodes, {r['reference_mismatches']} mismatches; "
            f"peak RSS {r['peak_rss_mb']:.0f} MB"
        )
        print(
            f"  {name} steps, wall s: {r['step_seconds']}; this process's CPU s: "
            f"{r['step_cpu_seconds']}; JSON decode {r['decode_json_s']} s"
        )
    pg, lite = results["postgres"], results["sqlite"]
    for name, r in results.items():
        if not r["reference_episodes"]:  # a check with nothing to compare cannot fail
            raise SystemExit(f"{name}: the reference check saw no zone or curfew episode")
    if "mqtt_pings_per_s" in pg:
        print(
            f"mqtt: {pg['mqtt_messages']:,} messages end to end at {pg['mqtt_pings_per_s']:,.0f} pings/s, "
            f"lost {pg['lost']}, duplicated {pg['duplicated']}"
        )
    peak = max(
        pg["peak_rss_mb"],
        lite["peak_rss_mb"],
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )
    print(
        f"telemetry pg_pings_per_s={pg['pings_per_s']:.1f} pg_raw_per_s={pg['raw_per_s']:.1f} "
        f"ratio={pg['pings_per_s'] / pg['raw_per_s']:.3f} sqlite_pings_per_s={lite['pings_per_s']:.1f} "
        f"mqtt_pings_per_s={pg.get('mqtt_pings_per_s', 0.0):.1f} peak_rss_mb={peak:.1f} "
        f"lost={pg.get('lost', 0)} duplicated={pg.get('duplicated', 0)}"
    )


if __name__ == "__main__":
    main()
