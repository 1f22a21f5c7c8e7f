"""Cluster and fault test: a 3-node NATS cluster with a file-backed 3-replica stream, ingest
workers, and a throwaway PostgreSQL. Under load: kill -9 a NATS node (the stream's leader),
then an ingest worker, then restart PostgreSQL (immediate stop: crash recovery). Afterwards
every fix the log acknowledged (what a door answers a device on) is stored exactly once. The
fixes go through the door's group commit (packs per partition), so a pack whose append fails
over a node kill is answered as a whole and retried."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atd.telemetry.devicelog import (
    DeviceLog,
    LogFull,
    log_config,
    nats_connect,
    stream_ensure,
)
from atd.telemetry.groupcommit import GroupCommit, Member
from atd.testing.cluster import NatsCluster, ThrowawayPostgres
from atd.testing.services import require_nats_server

FIXES = int(os.environ.get("ATD_FLEET_TEST_FIXES", "6000"))
DEVICES = 9
pytestmark = [pytest.mark.nats, pytest.mark.slow]


def _env(pg: ThrowawayPostgres, cluster: NatsCluster, stream: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg.url,
        ATD_TASKS_IMMEDIATE="1",
        ATD_NATS_URL=cluster.url,
        ATD_NATS_STREAM=stream,
        ATD_NATS_SUBJECT="atdfleet",
        ATD_NATS_PARTITIONS="4",
        ATD_NATS_REPLICAS="3",
        ATD_NATS_ACK_WAIT_S="3",
        DJANGO_SETTINGS_MODULE="atd.config.settings",
    )
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def _worker(env: dict[str, str], index: int) -> subprocess.Popen[bytes]:
    """An ingest worker, started as its supervisor would: a worker started while the stream is
    still electing a leader (right after a node was killed) cannot bind its consumer and exits;
    the supervisor starts it again (bounded here: 10 tries, 2 s apart)."""
    errors = b""
    for _attempt in range(10):
        with tempfile.TemporaryFile() as stderr:
            proc = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "atd.cli",
                    "ingest",
                    "log",
                    "--index",
                    str(index),
                    "--count",
                    "2",
                    "--batch",
                    "2000",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() == b"ready":
                return proc
            proc.wait(timeout=30)
            stderr.seek(0)
            errors = stderr.read()[-2000:]
        time.sleep(2)
    raise AssertionError(f"ingest worker {index} never became ready: {errors!r}")


def _stored(url: str) -> tuple[int, set[tuple[int, datetime]]]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT device_id, fix_time FROM telemetry_position").fetchall()
    return len(rows), {(r[0], r[1]) for r in rows}


def test_acknowledged_fixes_survive_node_worker_and_database_failures_exactly_once() -> None:
    binary = require_nats_server()
    cluster = NatsCluster(binary)
    pg = ThrowawayPostgres()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        cluster.start()
        pg.init()
        stream = "FLEETTEST"
        env = _env(pg, cluster, stream)
        seeded = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-c",
                f"from atd.telemetry.tests.fleet_children import seed; seed({DEVICES})",
            ],
            env=env,
            capture_output=True,
            timeout=600,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stderr.decode()[-3000:]
        devices = json.loads(seeded.stdout.decode().strip().splitlines()[-1])
        cfg = log_config(
            url=cluster.url,
            stream=stream,
            subject="atdfleet",
            partitions=4,
            replicas=3,
            ack_wait_s=3,
        )
        assert cfg is not None
        acked = asyncio.run(_load(cfg, cluster, pg, env, devices, workers))
        # Drain: every acknowledged fix stored, none twice, the log empty.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            total, keys = _stored(pg.url)
            if keys >= acked:
                break
            time.sleep(1)
        total, keys = _stored(pg.url)
        lost = acked - keys
        assert not lost, f"{len(lost)} acknowledged fix(es) not stored"
        assert total == len(keys), "a fix stored twice"
        assert len(acked) == FIXES
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        cluster.stop()
        pg.stop()


async def _load(
    cfg: Any,
    cluster: NatsCluster,
    pg: ThrowawayPostgres,
    env: dict[str, str],
    devices: list[list[Any]],
    workers: list[subprocess.Popen[bytes]],
) -> set[tuple[int, datetime]]:
    # The stream needs a quorum of a freshly formed cluster: retry until it is up.
    deadline = time.monotonic() + 60
    while True:
        try:
            nc = await nats_connect(cfg)
            await stream_ensure(nc.jetstream(timeout=5), cfg)
            info = await nc.jetstream().stream_info(cfg.stream)
            leader = info.cluster.leader if info.cluster else None
            await nc.close()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
    workers.append(await asyncio.to_thread(_worker, env, 0))
    workers.append(await asyncio.to_thread(_worker, env, 1))
    devicelog = DeviceLog(cfg)
    door = GroupCommit(devicelog, cfg)  # the lean door's group commit: packs per partition
    start = datetime.now(tz=UTC).replace(microsecond=0) - timedelta(hours=2)
    acked: set[tuple[int, datetime]] = set()
    faults = {FIXES // 4: "node", FIXES // 2: "worker", 3 * FIXES // 4: "postgres"}
    done_faults: list[str] = []
    sem = asyncio.Semaphore(200)

    async def send(i: int) -> None:
        serial, device_id = devices[i % len(devices)]
        moment = start + timedelta(seconds=i)
        record = {"time": moment.isoformat(), "lat": 41.88 + (i % 50) * 1e-5, "lon": -87.63}
        member = Member.of(serial, [record])
        async with sem:
            for _attempt in range(200):  # a device retries until it gets its answer
                try:
                    await door.commit("osmand", [member])
                    acked.add((device_id, moment))
                    return
                except LogFull:
                    await asyncio.sleep(0.25)
            raise AssertionError("append never acknowledged")

    tasks = []
    for i in range(FIXES):
        fault = faults.get(i)
        if fault == "node":
            index = int(leader[1:]) if leader and leader.startswith("n") else 0
            cluster.kill9(index)
            done_faults.append(f"node n{index}")
        elif fault == "worker":
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            workers[0] = await asyncio.to_thread(_worker, env, 0)
            done_faults.append("worker 0")
        elif fault == "postgres":
            await asyncio.to_thread(pg.restart)
            done_faults.append("postgres")
        tasks.append(asyncio.create_task(send(i)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)  # a steady load, not one burst
    await asyncio.gather(*tasks)
    await devicelog.close()
    assert done_faults[0].startswith("node") and done_faults[1:] == ["worker 0", "postgres"]
    return acked
