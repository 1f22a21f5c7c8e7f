"""Fleet benchmark: one fix per message through MQTT and OsmAnd HTTP, through the JetStream
device log on a 3-node cluster, to rows committed in PostgreSQL (its own database
`atd_bench_fleet`), with one NATS node killed with -9 during the run.

- MQTT: a Mosquitto of the bench's own on a loopback port; C publishers (`mosquitto_pub -l -q 1`,
  one message per stdin line, one process per device topic); `atd ingest bridge` appends to the
  log and acknowledges the broker after the append; 2 `atd ingest log` workers commit.
  Baseline from the same run: the same publishers against the same broker with a QoS 1
  `mosquitto_sub` that only counts.
- OsmAnd: `wrk` with a Lua script (Traccar Client-style GETs, a unique timestamp each, devices
  in turn) against `atd serve --workers 2` (uvicorn, uvloop, httptools with core.httpserver's
  one write per answer) with the lean door.
  Baseline: the same wrk and script against the same uvicorn configuration serving a constant
  200 (bench/fleet_const.py).
- End to end: rows committed / time from the first message to the last row committed. The rows
  are counted only once the senders are done (every 0.25 s until all are there): a count while
  the phase runs would compete with the ingestion it measures. Progress and the fail-over's
  stall are read from the log's consumers instead (LogWatch).
- lost: messages acknowledged to a device (PUBACKed publishes; 200 answers) with no stored row;
  duplicated: rows beyond one per (device, fix time).

BENCH_SCALE=small: 8 x 4,000 MQTT messages and 10 s of wrk; full: 8 x 25,000 and 30 s.
Last line (the contract):
fleet mqtt_pings_per_s=<n> mqtt_ratio=<r> osmand_requests_per_s=<n> osmand_ratio=<r>
osmand_p99_ms=<n> end_to_end_pings_per_s=<n> node_killed=yes lost=0 duplicated=0 peak_rss_mb=<n>
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, bench_django, scale  # noqa: E402

SMALL = scale() == "small"
PUBLISHERS = 8
# BENCH_FLEET_MESSAGES / BENCH_FLEET_SECONDS override the sizes (a smoke run of the script).
PER_PUBLISHER = int(os.environ.get("BENCH_FLEET_MESSAGES") or (4_000 if SMALL else 25_000))
WRK_SECONDS = int(os.environ.get("BENCH_FLEET_SECONDS") or (10 if SMALL else 30))
WRK_CONNECTIONS = int(os.environ.get("BENCH_FLEET_CONNECTIONS") or 256)
OSMAND_DEVICES = 2_000
PARTITIONS = int(os.environ.get("BENCH_FLEET_PARTITIONS") or 4)
# When n1 is killed, after the MQTT phase starts: inside the phase at either size (a small
# phase can end within 2 s now that nothing polls the database while it runs).
KILL_AT_S = 0.5 if SMALL else 2.0
NCPU = os.cpu_count() or 1

HERE = Path(__file__).resolve().parent
TMP = Path(tempfile.mkdtemp(prefix="atd-bench-fleet-"))
children: list[subprocess.Popen[bytes]] = []


def log(msg: str) -> None:
    print(msg, flush=True)


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def descendants(pid: int) -> list[int]:
    out = [pid]
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for kid in kids:
        out += descendants(int(kid))
    return out


def cpu_by_role(roots: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by every process on the machine, by role: the atd processes by
    their root pid (and its children), the servers by name, the rest as "other" — so that a
    phase's cost per fix can be split between the door, the log, the workers and the database."""
    owner: dict[int, str] = {}
    for role, pids in roots.items():
        for pid in pids:
            for p in descendants(pid):
                owner[p] = role
    by_name = {"nats-server": "nats", "postgres": "postgres", "mosquitto": "mosquitto"}
    out: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        role = owner.get(pid) or by_name.get(comm, "other")
        out[role] = out.get(role, 0.0) + cpu_seconds(pid)
    return out


def wait_idle(root: int, *, processes: int, timeout: float = 300) -> float:
    """Waits until `root` has at least `processes` processes (itself included) and their CPU use
    stayed under 5% of a core for two consecutive seconds; returns the CPU seconds they used."""
    deadline = time.monotonic() + timeout
    quiet = 0
    last = -1.0
    while time.monotonic() < deadline:
        pids = descendants(root)
        used = sum(cpu_seconds(p) for p in pids)
        if len(pids) >= processes and last >= 0 and used - last < 0.05:
            quiet += 1
            if quiet >= 2:
                return used
        else:
            quiet = 0
        last = used
        time.sleep(1.0)
    raise RuntimeError(f"process {root} did not settle within {timeout:.0f} s")


def cpu_budget(before: dict[str, float], after: dict[str, float], fixes: int) -> str:
    """CPU seconds per 1,000 fixes by role, and the rate those costs allow on this machine's
    cores if nothing else ran: what bounds a door (issue 21: where a target is not met, say what
    bounds it). Processes that ended within the phase are not counted (none of the servers)."""
    per = {
        r: (after.get(r, 0.0) - before.get(r, 0.0)) * 1000 / max(fixes, 1)
        for r in sorted(set(before) | set(after))
    }
    per = {r: v for r, v in per.items() if v > 0.0005}
    total = sum(v for r, v in per.items() if r != "other")
    parts = ", ".join(f"{r} {v:.3f}" for r, v in sorted(per.items(), key=lambda kv: -kv[1]))
    bound = NCPU * 1000 / total if total else float("inf")
    return f"CPU s per 1,000 fixes: {parts}; without other: {total:.3f} -> at most {bound:,.0f}/s on {NCPU} cores"


class RssWatch:
    """Peak resident memory of each atd process (VmHWM), sampled until stopped."""

    def __init__(self) -> None:
        self.roots: list[int] = []
        self.peak: dict[int, float] = {}
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            for root in list(self.roots):
                for pid in descendants(root):
                    try:
                        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                            if line.startswith("VmHWM:"):
                                mb = int(line.split()[1]) / 1024
                                self.peak[pid] = max(self.peak.get(pid, 0.0), mb)
                    except OSError:
                        pass

    def max(self) -> float:
        return max(self.peak.values(), default=0.0)


def spawn(args: list[str], env: dict[str, str], name: str, **kw: Any) -> subprocess.Popen[bytes]:
    out = open(TMP / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen(args, env=env, stdout=out, stderr=out, **kw)  # noqa: S603
    children.append(proc)
    return proc


def stream_leader(url: str, stream: str) -> str:
    """The name of the node leading the stream ('' if it cannot be asked)."""
    import asyncio

    import nats

    async def ask() -> str:
        nc = await nats.connect(servers=url.split(","), connect_timeout=2)
        try:
            info = await nc.jetstream(timeout=2).stream_info(stream)
            return str(info.cluster.leader) if info.cluster else ""
        finally:
            await nc.close()

    try:
        return asyncio.run(ask())
    except Exception as exc:  # the bench goes on; the line says it could not tell
        return f"? ({type(exc).__name__})"


def wait_port(port: int, timeout: float = 30) -> None:
    from atd.testing.cluster import port_answers

    deadline = time.monotonic() + timeout
    while not port_answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answers on {port}")
        time.sleep(0.1)


def wait_ready(name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while b"ready" not in (TMP / f"{name}.log").read_bytes():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not get ready: see {TMP}")
        time.sleep(0.2)


def seed(rng: random.Random) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    from atd.devices.models import Device
    from atd.devices.rules import credential_hash
    from atd.people.models import Office, Participant

    now = datetime.now(UTC)
    office = Office.objects.create(code="FLT", name="Fleet (synthetic)", timezone="UTC")
    total = OSMAND_DEVICES + PUBLISHERS
    people = Participant.objects.bulk_create(
        [
            Participant(
                a_number=f"{300000000 + i}",
                given_names="Ana",
                first_surname="Synthetic",
                date_of_birth=datetime(1990, 1, 1).date(),
                country_of_citizenship="HN",
                created_at=now,
            )
            for i in range(total)
        ],
        batch_size=2000,
    )
    pairs = [(f"F-{i:06d}", f"fleet-{i:06d}-{rng.random():.12f}") for i in range(total)]
    Device.objects.bulk_create(
        [
            Device(
                serial=s,
                kind="gps_ankle",
                status="assigned",
                office=office,
                participant=p,
                credential_hash=credential_hash(k),
                created_at=now,
            )
            for (s, k), p in zip(pairs, people, strict=True)
        ],
        batch_size=2000,
    )
    return pairs[:OSMAND_DEVICES], pairs[OSMAND_DEVICES:]


def rows_of(serials: list[str]) -> tuple[int, int]:
    """(rows, distinct (device, fix time)) stored for these devices: exact, and costly (a sort
    of every row), so it is asked once a phase has drained, never while it runs."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(DISTINCT (p.device_id, p.fix_time)) FROM telemetry_position p "
            "JOIN devices_device d ON d.id = p.device_id WHERE d.serial = ANY(%s)",
            [serials],
        )
        n, distinct = cur.fetchone()
    return int(n), int(distinct)


class LogWatch:
    """Samples the device log every 0.25 s, from its own thread and NATS connection: how many
    messages the stream holds, and how many deliveries its consumers no longer wait an
    acknowledgement for (a worker acknowledges only after its transaction committed). This
    shows when ingestion stalled (the fail-over) at no cost to PostgreSQL. While a consumer has
    no leader its figure keeps its last value; while the stream has none, its count is -1.

    It replaced polling PostgreSQL during the MQTT phase: that query (a count of distinct
    (device, fix time) over every row so far) took 275 ms at 84,000 rows, so polled every
    0.25 s it kept most of a core busy and slowed the very ingestion it measured."""

    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg  # devicelog.LogConfig of the bench's stream
        self.samples: list[tuple[float, int, int]] = []  # (monotonic time, in stream, acked)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import asyncio

        from atd.telemetry.devicelog import nats_connect

        cfg = self.cfg

        async def go() -> None:
            nc = await nats_connect(cfg, name="fleet-bench-watch")
            js = nc.jetstream(timeout=0.5)
            acked = [0] * cfg.partitions
            try:
                while not self.stop.is_set():
                    t = time.monotonic()
                    try:
                        held = (await js.stream_info(cfg.stream)).state.messages
                    except Exception:  # no leader (failing over): not known (-1)
                        held = -1
                    for p in range(cfg.partitions):
                        try:
                            info = await js.consumer_info(cfg.stream, cfg.durable_of(p))
                        except Exception:  # noqa: S112 - as above
                            continue
                        # Deliveries no longer waiting for an ack (the ack floor would stop
                        # at one lost ack until it is delivered again).
                        done = (info.delivered.consumer_seq or 0) - (info.num_ack_pending or 0)
                        acked[p] = max(acked[p], done)
                    self.samples.append((t, int(held), sum(acked)))
                    await asyncio.sleep(max(0.0, 0.25 - (time.monotonic() - t)))
            finally:
                await nc.close()

        asyncio.run(go())

    def longest_stall(self, start: float, end: float) -> tuple[float, float] | None:
        """(seconds after `start` the longest stretch with no newly acknowledged message
        began, its length), up to `end`; None if the log could not be asked meanwhile."""
        if not any(start <= t <= end for t, _, _ in self.samples):
            return None
        best = (0.0, 0.0)
        last_t, last_n = start, -1
        for t, _, n in self.samples:
            if t < start or t > end:
                continue
            if last_n < 0:
                last_t, last_n = t, n
                continue
            if n > last_n:
                if t - last_t > best[1]:
                    best = (last_t - start, t - last_t)
                last_t, last_n = t, n
        if end - last_t > best[1]:
            best = (last_t - start, end - last_t)
        return best

    def held_after(self, moment: float, timeout: float) -> int | None:
        """Messages in the stream at the first sample after `moment` that could ask the stream
        (None if none came within `timeout` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, held, _ in list(self.samples):
                if t >= moment and held >= 0:
                    return held
            time.sleep(0.05)
        return None

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        with (TMP / "logwatch.tsv").open("w") as f:  # for a look after the run
            f.write("t\tin_stream\tacked\n")
            f.writelines(f"{t:.2f}\t{held}\t{acked}\n" for t, held, acked in self.samples)


def ids_of(serials: list[str]) -> list[int]:
    from atd.devices.models import Device

    return list(Device.objects.filter(serial__in=serials).values_list("id", flat=True))


def count_rows(device_ids: list[int]) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM telemetry_position WHERE device_id = ANY(%s)", [device_ids]
        )
        return int(cur.fetchone()[0])


def wait_committed(device_ids: list[int], expected: int, timeout: float) -> tuple[int, float]:
    """(rows stored, when): counts the rows every 0.25 s until `expected`. Called once the
    senders are done, so it polls only the tail of a phase (the count took about 8 ms per
    10,000 rows here). A count that never reaches `expected` ends at the timeout, and what was
    stored is reported (the loss with it)."""
    deadline = time.monotonic() + timeout
    while True:
        now = time.monotonic()
        n = count_rows(device_ids)
        if n >= expected or now > deadline:
            return n, now
        time.sleep(0.25)


def mosquitto(port: int) -> subprocess.Popen[bytes]:
    conf = TMP / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 2000000\nmax_inflight_messages 0\nset_tcp_nodelay true\n"
    )
    proc = spawn(["mosquitto", "-c", str(conf)], dict(os.environ), "mosquitto")
    wait_port(port)
    return proc


def publisher_files(pubs: list[tuple[str, str]], base: datetime, baseline: bool) -> list[Path]:
    files = []
    for n, (_serial, key) in enumerate(pubs):
        path = TMP / f"pub-{n}-{'base' if baseline else 'real'}.txt"
        with path.open("w") as f:
            for i in range(PER_PUBLISHER):
                moment = (base + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
                f.write(
                    f'{{"key":"{key}","time":"{moment}","lat":{41.88 + (i % 97) * 1e-5:.5f},'
                    f'"lon":-87.63,"accuracy":8}}\n'
                )
        files.append(path)
    return files


def publish(port: int, topics: list[str], files: list[Path]) -> tuple[float, float]:
    """Runs the C publishers; returns (seconds until all exited, their CPU seconds)."""
    started = time.monotonic()
    procs = []
    for topic, path in zip(topics, files, strict=True):
        procs.append(
            subprocess.Popen(  # noqa: S603
                [
                    "mosquitto_pub",
                    "-p",
                    str(port),
                    "-q",
                    "1",
                    "-l",
                    "-t",
                    topic,
                    "-i",
                    f"pub-{secrets.token_hex(4)}",
                ],
                stdin=path.open("rb"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    seen: dict[int, float] = {}
    while any(p.poll() is None for p in procs):
        for p in procs:
            if p.poll() is None:
                seen[p.pid] = max(seen.get(p.pid, 0.0), cpu_seconds(p.pid))
        time.sleep(0.05)
    cpu = sum(seen.values())
    return time.monotonic() - started, cpu


def wrk_run(port: int, devices_file: Path, base_ts: int) -> dict[str, float]:
    env = dict(os.environ, FLEET_DEVICES=str(devices_file), FLEET_BASE=str(base_ts))
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603
        [
            "wrk",
            "-t2",
            f"-c{WRK_CONNECTIONS}",
            f"-d{WRK_SECONDS}s",
            "--latency",
            "-s",
            str(HERE / "fleet_osmand.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    cpu = 0.0
    while proc.poll() is None:
        cpu = max(cpu, cpu_seconds(proc.pid))
        time.sleep(0.2)
    out = proc.stdout.read().decode() if proc.stdout else ""
    wall = time.monotonic() - started
    figures: dict[str, float] = {"cpu_share": cpu / wall / NCPU}
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(line.split()[1])
        for key in ("p99_ms", "p50_ms", "p90_ms", "p999_ms", "ok", "bad", "requests"):
            if line.startswith(key + "="):
                figures[key] = float(line.split("=", 1)[1])
    if "rps" not in figures:
        raise RuntimeError(f"wrk said:\n{out}")
    return figures


def main() -> None:  # noqa: PLR0915 - one run, in order
    from atd.testing.cluster import NatsCluster, free_ports

    # BENCH_FLEET_DB: another database name, so a run does not drop another engineer's.
    var = bench_django(postgres_db=os.environ.get("BENCH_FLEET_DB") or "atd_bench_fleet")
    from atd.core import clock
    from atd.telemetry.devicelog import log_config
    from atd.telemetry.partitions import partitions_create_ahead

    rng = random.Random(21)  # noqa: S311 (synthetic)
    osmand_devices, mqtt_devices = seed(rng)
    partitions_create_ahead(now=clock.now(), days_back=31, days_ahead=1)
    cluster = NatsCluster(shutil.which("nats-server") or "nats-server")
    mqtt_port, door_port, const_port = free_ports(3)
    rss = RssWatch()
    watch: LogWatch | None = None
    try:
        cluster.start()
        broker = mosquitto(mqtt_port)
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT / "src"),
            ATD_VAR_DIR=str(var),
            ATD_SECRET_KEY=secrets.token_urlsafe(48),
            ATD_NATS_URL=cluster.url,
            ATD_NATS_STREAM="FLEETBENCH",
            ATD_NATS_SUBJECT="fleetbench",
            ATD_NATS_PARTITIONS=str(PARTITIONS),
            ATD_NATS_REPLICAS="3",
            ATD_MQTT_URL=f"mqtt://127.0.0.1:{mqtt_port}",
        )
        env.pop("ATD_TASKS_IMMEDIATE", None)
        atd = [sys.executable, "-m", "atd.cli"]
        # The stream and its consumers, once the new cluster has a quorum.
        deadline = time.monotonic() + 60
        while subprocess.run(  # noqa: S603
            [
                *atd,
                "manage",
                "shell",
                "-c",
                "import asyncio; from atd.telemetry.devicelog import *; c=log_config();\n"
                "async def f():\n nc=await nats_connect(c); await stream_ensure(nc.jetstream(), c); "
                "await nc.close()\nasyncio.run(f())",
            ],
            env=env,
            capture_output=True,
            check=False,
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("the NATS cluster formed no JetStream quorum")
            time.sleep(1)
        workers = [
            spawn([*atd, "ingest", "log", "--index", str(i), "--count", "2"], env, f"worker{i}")
            for i in range(2)
        ]
        bridge = spawn([*atd, "ingest", "bridge", "--client-id", "fleet-bridge"], env, "bridge")
        rss.roots += [w.pid for w in workers] + [bridge.pid]
        for name in ("worker0", "worker1", "bridge"):
            wait_ready(name)

        # --- MQTT ------------------------------------------------------------------------
        total_mqtt = PUBLISHERS * PER_PUBLISHER
        base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
        counter = subprocess.Popen(  # noqa: S603
            [
                "mosquitto_sub",
                "-p",
                str(mqtt_port),
                "-q",
                "1",
                "-t",
                "fleetbase/#",
                "-C",
                str(total_mqtt),
                "-i",
                "fleet-counter",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        files = publisher_files(mqtt_devices, base, baseline=True)
        started = time.monotonic()
        publish(mqtt_port, [f"fleetbase/{i}" for i in range(PUBLISHERS)], files)
        counter.wait(timeout=300)
        bare_mqtt = total_mqtt / (time.monotonic() - started)
        log(f"MQTT bare broker: {total_mqtt} QoS 1 messages counted at {bare_mqtt:,.0f}/s")

        files = publisher_files(mqtt_devices, base + timedelta(hours=1), baseline=False)
        topics = [f"atd/devices/{s}/telemetry" for s, _ in mqtt_devices]
        killed: dict[str, str] = {}

        def kill_n1() -> None:
            """Kills n1 with -9, noting first whether it led the stream: if it did, appends
            wait for JetStream's election (4-7 s seen); if not, only for the reconnect. A
            consumer it led stops delivering its partition for as long."""
            killed["leader"] = stream_leader(env["ATD_NATS_URL"], env["ATD_NATS_STREAM"])
            cluster.kill9(1)

        serials = [s for s, _ in mqtt_devices]
        mqtt_ids = ids_of(serials)
        killer = threading.Timer(KILL_AT_S, kill_n1)
        log_watch = watch = LogWatch(
            log_config(
                url=cluster.url,
                stream=env["ATD_NATS_STREAM"],
                subject=env["ATD_NATS_SUBJECT"],
                partitions=PARTITIONS,
                replicas=3,
            )
        )
        roles = {"bridge": [bridge.pid], "workers": [w.pid for w in workers]}
        cpu_before = cpu_by_role(roles)
        started_mqtt = time.monotonic()
        killer.start()
        pub_s, pub_cpu = publish(mqtt_port, topics, files)
        stored, finished = wait_committed(mqtt_ids, total_mqtt, timeout=600)
        cpu_mqtt = cpu_budget(cpu_before, cpu_by_role(roles), stored)
        # Every row is committed and each worker acknowledges at once after its commit: what
        # the log still holds a moment later are messages whose acknowledgement was lost.
        left = log_watch.held_after(finished + 0.3, timeout=15)
        log_watch.close()
        killer.join()
        mqtt_rate = stored / (finished - started_mqtt)
        mqtt_rows, mqtt_distinct = rows_of(serials)
        log(
            f"MQTT end to end: {stored} of {total_mqtt} rows in {finished - started_mqtt:.1f} s = "
            f"{mqtt_rate:,.0f}/s (publishers done in {pub_s:.1f} s, their CPU share "
            f"{pub_cpu / pub_s / NCPU:.0%}); NATS node n1 killed with -9 at {KILL_AT_S} s "
            f"(the stream's leader then: {killed.get('leader') or 'unknown'})"
        )
        stalled = log_watch.longest_stall(started_mqtt, finished)
        log(
            "  longest stretch with no log message newly committed: "
            + (
                f"{stalled[1]:.1f} s, from {stalled[0]:.1f} s "
                f"(the kill's fail-over when it starts near {KILL_AT_S} s)"
                if stalled
                else "not known (the log could not be asked)"
            )
        )
        log(
            "  messages still in the log when the rows were complete: "
            f"{'not known' if left is None else left} (acknowledgements "
            "lost in the fail-over: delivered again after ATD_NATS_ACK_WAIT_S, stored as repeats)"
        )
        log(f"  MQTT {cpu_mqtt} (mosquitto includes the publishers' side of the broker)")
        cluster.start(1)

        # --- OsmAnd ------------------------------------------------------------------------
        devices_file = TMP / "osmand-devices.txt"
        devices_file.write_text("".join(f"{s} {k}\n" for s, k in osmand_devices))
        base_ts = int((datetime.now(UTC) - timedelta(days=25)).timestamp())
        uvicorn = [
            sys.executable,
            "-m",
            "uvicorn",
            "--workers",
            "2",
            "--loop",
            "uvloop",
            "--http",
            "atd.core.httpserver:CoalescingHttpToolsProtocol",  # as `atd serve`
            "--no-access-log",
            "--log-level",
            "warning",
            "--host",
            "127.0.0.1",
        ]
        const = spawn(
            [*uvicorn, "--port", str(const_port), "--app-dir", str(HERE), "fleet_const:app"],
            env,
            "const",
        )
        wait_port(const_port)
        bare = wrk_run(const_port, devices_file, base_ts - 10_000_000)
        const.send_signal(signal.SIGTERM)
        const.wait()
        log(
            f"OsmAnd bare server (constant 200): {bare['rps']:,.0f} requests/s, "
            f"p99 {bare.get('p99_ms', 0):.1f} ms, wrk CPU share {bare['cpu_share']:.0%}"
        )
        door = spawn([*atd, "serve", "--workers", "2", "--port", str(door_port)], env, "door")
        rss.roots.append(door.pid)
        wait_port(door_port, timeout=180)  # a loaded machine can take long to import Django
        # The port answers as soon as uvicorn's supervisor binds it, while its workers are still
        # importing Django: wait until they are idle, so their start-up is not counted per fix.
        startup_cpu = wait_idle(door.pid, processes=4)
        log(f"OsmAnd door start-up (not counted per fix): {startup_cpu:.1f} CPU s")
        roles["door"] = [door.pid]
        cpu_before = cpu_by_role(roles)
        started = time.monotonic()
        real = wrk_run(door_port, devices_file, base_ts)
        ok = int(real.get("ok", 0))
        serials_o = [s for s, _ in osmand_devices]
        stored_o, finished_o = wait_committed(ids_of(serials_o), ok, timeout=600)
        cpu_osmand = cpu_budget(cpu_before, cpu_by_role(roles), stored_o)
        osmand_rows, osmand_distinct = rows_of(serials_o)
        log(
            f"OsmAnd door: {real['rps']:,.0f} requests/s, p50 {real.get('p50_ms', 0):.1f} ms, "
            f"p90 {real.get('p90_ms', 0):.1f} ms, p99 {real.get('p99_ms', 0):.1f} ms, "
            f"p99.9 {real.get('p999_ms', 0):.1f} ms, {ok} answered 200, "
            f"{int(real.get('bad', 0))} other; wrk CPU share {real['cpu_share']:.0%}; "
            f"{stored_o} rows committed {finished_o - started:.1f} s after the start"
        )
        log(f"  OsmAnd {cpu_osmand} (other includes wrk)")
        mqtt_elapsed = finished - started_mqtt
        osmand_elapsed = finished_o - started
        end_to_end = (stored + stored_o) / (mqtt_elapsed + osmand_elapsed)
        lost = max(0, total_mqtt - mqtt_distinct) + max(0, ok - osmand_distinct)
        duplicated = (mqtt_rows - mqtt_distinct) + (osmand_rows - osmand_distinct)
        peak = rss.max()
        log(f"peak RSS per atd process: {peak:.0f} MB; logs in {TMP}")
        print(
            f"fleet mqtt_pings_per_s={mqtt_rate:.0f} mqtt_ratio={mqtt_rate / bare_mqtt:.3f} "
            f"osmand_requests_per_s={real['rps']:.0f} osmand_ratio={real['rps'] / bare['rps']:.3f} "
            f"osmand_p99_ms={real.get('p99_ms', 0):.1f} end_to_end_pings_per_s={end_to_end:.0f} "
            f"node_killed=yes lost={lost} duplicated={duplicated} peak_rss_mb={peak:.0f}",
            flush=True,
        )
        broker.terminate()
    finally:
        rss.stop.set()
        if watch is not None:
            watch.close()
        for proc in children:
            if proc.poll() is None:
                proc.terminate()
        for proc in children:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        cluster.stop()


if __name__ == "__main__":
    main()
