"""A/B of the lean door's append path, without HTTP or the database: a 3-node NATS cluster
(R3, file storage, 16 partitions, as bench/fleet.py), and C concurrent "requests" (each one
OsmAnd fix, a new device in turn, sent again as soon as it is answered, like wrk's
connections) appended either one log message per request and waiting for its ack (the door
before group commit: `DeviceLog.append`) or through `GroupCommit` (packs per partition).
Rounds alternate A, B, A, B... so both see the same machine. Prints fixes/s and p50/p99 of
the wait for the log per mode, and the CPU time the three nats-server processes and this
client spent per 1,000 fixes: on a shared, loaded machine the rates swing from round to round,
the CPU cost per fix much less.

    BENCH_DOOR_CONCURRENCY (64) BENCH_DOOR_SECONDS (8) BENCH_DOOR_ROUNDS (2)
    BENCH_DOOR_WINDOW_MS (2)

It measures only what group commit changes (the appends a door waits for); bench/fleet.py is
the end-to-end figure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
os.environ.setdefault("ATD_SECRET_KEY", "bench-door-pack-not-secret-" + "x" * 40)

CONCURRENCY = int(os.environ.get("BENCH_DOOR_CONCURRENCY") or 64)
SECONDS = float(os.environ.get("BENCH_DOOR_SECONDS") or 8)
ROUNDS = int(os.environ.get("BENCH_DOOR_ROUNDS") or 2)
WINDOW_MS = float(os.environ.get("BENCH_DOOR_WINDOW_MS") or 2)


async def round_(mode: str, cfg: object, counter: list[int]) -> tuple[int, list[float]]:
    from atd.telemetry.devicelog import DeviceLog, message_for_records
    from atd.telemetry.groupcommit import GroupCommit, Member

    devicelog = DeviceLog(cfg)  # type: ignore[arg-type]
    await devicelog.connect()
    packer = GroupCommit(devicelog, cfg, window_s=WINDOW_MS / 1000)  # type: ignore[arg-type]
    waits: list[float] = []
    done = 0
    deadline = time.monotonic() + SECONDS

    async def client() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            counter[0] += 1
            n = counter[0]
            serial = f"F-{n % 2000:06d}"
            record = {"device": serial, "time": 1_780_000_000 + n, "lat": 41.88, "lon": -87.63}
            started = time.monotonic()
            if mode == "single":
                msg = message_for_records(cfg, serial=serial, via="osmand", records=[record])  # type: ignore[arg-type]
                await devicelog.append([msg])
            else:
                await packer.commit("osmand", [Member.of(serial, [record])])
            waits.append(time.monotonic() - started)
            done += 1

    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    await devicelog.close()
    if mode == "packed" and packer.stats.appends:
        print(f"  fixes per append: {packer.stats.members / packer.stats.appends:.1f}", flush=True)
    return done, waits


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    import django

    django.setup()
    from atd.telemetry.devicelog import log_config, nats_connect, stream_ensure
    from atd.testing.cluster import NatsCluster

    cluster = NatsCluster(shutil.which("nats-server") or "nats-server")
    cluster.start()
    try:
        cfg = log_config(
            url=cluster.url,
            stream="DOORPACK",
            subject="doorpack",
            partitions=16,
            replicas=3,
            max_bytes=1 << 30,
        )
        assert cfg is not None

        async def ensure() -> None:
            deadline = time.monotonic() + 60
            while True:
                try:
                    nc = await nats_connect(cfg)
                    await stream_ensure(nc.jetstream(timeout=5), cfg)
                    await nc.close()
                    return
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(1)

        asyncio.run(ensure())
        counter = [0]
        results: dict[str, list[tuple[int, list[float], float, float]]] = {
            "single": [],
            "packed": [],
        }
        pids = [p.pid for p in cluster.procs if p is not None]
        for r in range(ROUNDS):
            for mode in ("single", "packed"):
                load = os.getloadavg()[0]
                nats0, me0 = sum(cpu_s(p) for p in pids), cpu_s(os.getpid())
                done, waits = asyncio.run(round_(mode, cfg, counter))
                nats_cpu = sum(cpu_s(p) for p in pids) - nats0
                me_cpu = cpu_s(os.getpid()) - me0
                results[mode].append((done, waits, nats_cpu, me_cpu))
                q = statistics.quantiles(waits, n=100)
                print(
                    f"round {r + 1} {mode:7s}: {done / SECONDS:8,.0f} fixes/s  "
                    f"p50 {q[49] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms  "
                    f"CPU per 1,000 fixes: nats {nats_cpu / done * 1000:.2f} s, "
                    f"client {me_cpu / done * 1000:.2f} s  (load {load:.1f})",
                    flush=True,
                )
        for mode, runs in results.items():
            total = sum(d for d, _, _, _ in runs)
            waits = [w for _, ws, _, _ in runs for w in ws]
            q = statistics.quantiles(waits, n=100)
            nats_cpu = sum(n for _, _, n, _ in runs)
            me_cpu = sum(m for _, _, _, m in runs)
            print(
                f"door_pack mode={mode} fixes_per_s={total / (SECONDS * len(runs)):.0f} "
                f"p50_ms={q[49] * 1000:.1f} p99_ms={q[98] * 1000:.1f} "
                f"nats_cpu_s_per_1000={nats_cpu / total * 1000:.2f} "
                f"client_cpu_s_per_1000={me_cpu / total * 1000:.2f} "
                f"concurrency={CONCURRENCY} window_ms={WINDOW_MS:g}",
                flush=True,
            )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
