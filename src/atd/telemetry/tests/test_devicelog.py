"""The durable device log on JetStream: append once, ingest once, acknowledge after commit."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import orjson
import pytest

from atd.core import clock
from atd.telemetry.devicelog import (
    H_PACK,
    PACK_MAX_BYTES,
    PACK_MAX_MESSAGES,
    DeviceLog,
    LogConfig,
    LogFull,
    LogIngestWorker,
    log_backlog,
    log_config,
    message_for_mqtt,
    message_for_records,
    message_id,
    messages_for_mqtt_packed,
    pack_decode,
    pack_encode,
    partition_of,
    partitions_owned,
    records_body,
    submission_of,
)
from atd.telemetry.models import DeadLetter, Position
from atd.telemetry.tests.conftest import Tracked, make_tracked


def test_a_device_always_lands_in_the_same_partition() -> None:
    assert partition_of("T-000001", 16) == partition_of("T-000001", 16)
    spread = {partition_of(f"D-{i}", 16) for i in range(500)}
    assert spread == set(range(16))


def test_each_partition_has_exactly_one_owner() -> None:
    owned = [partitions_owned(16, i, 3) for i in range(3)]
    assert sorted(p for ps in owned for p in ps) == list(range(16))
    with pytest.raises(ValueError):
        partitions_owned(16, 3, 3)


def test_a_retry_gets_the_same_message_id_and_another_fix_does_not() -> None:
    a = records_body([{"lat": 1, "lon": 2, "time": 3}])
    b = records_body([{"time": 3, "lon": 2, "lat": 1}])  # same fix, parameters reordered
    c = records_body([{"lat": 1, "lon": 2, "time": 4}])
    assert message_id("D", a) == message_id("D", b) != message_id("D", c)
    assert message_id("D", a) != message_id("E", a)


def test_log_messages_decode_to_the_submission_the_pipeline_takes() -> None:
    cfg = LogConfig("nats://x", "S", "s", 4, 1, 60, 30, 1 << 20)
    door = message_for_records(cfg, serial="D-1", via="osmand", records=[{"lat": 1}])
    sub = submission_of(door.headers, door.body)
    assert sub.trusted and sub.serial == "D-1" and sub.records == [{"lat": 1}]
    raw = message_for_mqtt(cfg, topic="atd/devices/D-1/telemetry", payload=b'{"key":"k","lat":1}')
    assert raw.subject == door.subject  # same device, same partition, whichever door
    sub = submission_of(raw.headers, raw.body)
    assert not sub.trusted and sub.secret == "k" and sub.serial == "D-1"
    for hostile in (b"{", b"42", b"\xff\xfe", b'{"a": 1}'):
        with pytest.raises((ValueError, UnicodeDecodeError)):
            submission_of(door.headers, hostile)


def test_no_url_means_the_embedded_default() -> None:
    assert log_config(url="") is None


def fix_records(t: Tracked, n: int) -> list[list[dict[str, Any]]]:
    start = clock.now() - timedelta(hours=1)
    return [
        [
            {
                "time": (start + timedelta(seconds=10 * i)).isoformat(),
                "lat": 41.88 + i * 1e-5,
                "lon": -87.63,
            }
        ]
        for i in range(n)
    ]


def append_all(cfg: LogConfig, t: Tracked, batches: list[list[dict[str, Any]]]) -> int:
    async def go() -> int:
        door = DeviceLog(cfg)
        try:
            msgs = [
                message_for_records(cfg, serial=t.serial, via="osmand", records=b) for b in batches
            ]
            return await door.append(msgs)
        finally:
            await door.close()

    return asyncio.run(go())


@pytest.mark.nats
@pytest.mark.django_db(transaction=True)
def test_appended_fixes_are_stored_once_and_a_retry_is_dropped_by_the_log(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    batches = fix_records(t, 60)
    assert append_all(stream_cfg, t, batches) == 0
    assert append_all(stream_cfg, t, batches[:25]) == 25  # the device retried 25 of them
    assert log_backlog(stream_cfg) == 60
    worker = LogIngestWorker(stream_cfg, batch_size=1000, max_wait_s=0.05)
    asyncio.run(worker.run(idle_exit_s=0.5))
    assert Position.objects.filter(device_id=t.device_id).count() == 60
    assert worker.stats.records == 60 and worker.stats.messages == 60
    assert log_backlog(stream_cfg) == 0  # acknowledged after the commit


class Killed(Exception):
    pass


@pytest.mark.nats
@pytest.mark.django_db(transaction=True)
def test_a_worker_that_dies_between_commit_and_ack_stores_nothing_twice(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    append_all(stream_cfg, t, fix_records(t, 40))

    def die(n: int) -> None:
        raise Killed  # committed, not yet acknowledged

    first = LogIngestWorker(stream_cfg, batch_size=1000, max_wait_s=0.05, on_committed=die)
    with pytest.raises(Killed):
        asyncio.run(first.run(idle_exit_s=2))
    assert Position.objects.filter(device_id=t.device_id).count() == 40
    assert log_backlog(stream_cfg) == 40  # nothing acknowledged
    second = LogIngestWorker(stream_cfg, batch_size=1000, max_wait_s=0.05)
    asyncio.run(second.run(idle_exit_s=2.5))  # redelivered after ack_wait (1 s)
    assert second.stats.messages == 40 and second.stats.records == 0
    assert Position.objects.filter(device_id=t.device_id).count() == 40
    assert log_backlog(stream_cfg) == 0


@pytest.mark.nats
@pytest.mark.django_db(transaction=True)
def test_poison_and_rejected_messages_are_dead_lettered_and_the_rest_stored(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    good = fix_records(t, 5)

    async def go() -> None:
        door = DeviceLog(stream_cfg)
        try:
            msgs = [
                message_for_records(stream_cfg, serial=t.serial, via="http", records=b)
                for b in good
            ]
            poison = message_for_records(stream_cfg, serial=t.serial, via="http", records=[])
            poison.body = b"\xff not json"
            poison.headers["Nats-Msg-Id"] = "poison-1"
            bad_key = message_for_mqtt(
                stream_cfg,
                topic=f"atd/devices/{t.serial}/telemetry",
                payload=b'{"key": "wrong", "time": 1, "lat": 1, "lon": 1}',
            )
            await door.append([*msgs, poison, bad_key])
        finally:
            await door.close()

    asyncio.run(go())
    worker = LogIngestWorker(stream_cfg, batch_size=1000, max_wait_s=0.05)
    asyncio.run(worker.run(idle_exit_s=0.5))
    assert Position.objects.filter(device_id=t.device_id).count() == 5
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == ["bad_credential", "malformed"]
    assert log_backlog(stream_cfg) == 0


# --- group commit: the MQTT bridge's packs ---------------------------------------------------


def test_a_pack_keeps_every_byte_a_device_sent() -> None:
    items = [
        ("atd/devices/D-1/telemetry", b'{"lat": 1}'),
        ("atd/devices/D-2/telemetry", b"\x00\xff\xfe not utf-8 \x00"),
        ("atd/devices/D-3/telemetry", b""),
        ("atd/devices/\u00e9/telemetry", b"[" * 1000),
    ]
    assert pack_decode(pack_encode(items)) == items
    assert pack_decode(b"") == []


@pytest.mark.parametrize("cut", [1, 3, 4, 7, 20])
def test_a_truncated_or_forged_pack_is_refused_not_misread(cut: int) -> None:
    body = pack_encode([("atd/devices/D-1/telemetry", b'{"lat": 1}')] * 2)
    with pytest.raises(ValueError):
        pack_decode(body[:-cut])
    with pytest.raises(ValueError):
        pack_decode(b"\xff\xff\xff\xff" + body)  # a length far past the end


def test_packs_follow_partitions_keep_arrival_order_and_stay_bounded() -> None:
    cfg = LogConfig("nats://x", "S", "s", 4, 1, 60, 30, 1 << 20)
    messages = [(f"atd/devices/D-{i % 7}/telemetry", f'{{"n": {i}}}'.encode()) for i in range(3000)]
    big = ("atd/devices/D-1/telemetry", b"x" * (PACK_MAX_BYTES + 1))
    packs = messages_for_mqtt_packed(cfg, [*messages, big])
    unpacked: list[tuple[str, bytes]] = []
    for m in packs:
        if m.headers.get(H_PACK) == "1":
            items = pack_decode(m.body)
            assert len(items) <= PACK_MAX_MESSAGES and len(m.body) <= PACK_MAX_BYTES + 1024
            for topic, _ in items:  # every member belongs to the pack's partition
                assert m.subject == cfg.subject_of(partition_of(topic.split("/")[2], 4))
            unpacked += items
        else:
            assert m.body == big[1]  # too large to pack: alone, as before
    assert len(packs) < 20
    assert sorted(unpacked, key=messages.index) == messages
    for serial in {t.split("/")[2] for t, _ in messages}:  # per device, arrival order kept
        mine = [p for t, p in unpacked if t.split("/")[2] == serial]
        assert mine == [p for t, p in messages if t.split("/")[2] == serial]
    again = messages_for_mqtt_packed(cfg, [*messages, big])  # a retried batch: same ids
    assert [m.headers["Nats-Msg-Id"] for m in again] == [m.headers["Nats-Msg-Id"] for m in packs]
    # The bridge passes the partitions it remembers per topic: the very same packs.
    known = [partition_of(t.split("/")[2], 4) for t, _ in [*messages, big]]
    routed = messages_for_mqtt_packed(cfg, [*messages, big], known)
    assert [(m.subject, m.body, m.headers) for m in routed] == [
        (m.subject, m.body, m.headers) for m in packs
    ]


@pytest.mark.nats
@pytest.mark.django_db(transaction=True)
def test_a_pack_is_judged_message_by_message_and_a_retried_pack_stored_once(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    topic = f"atd/devices/{t.serial}/telemetry"
    good = [
        (topic, orjson.dumps({"key": t.secret, **records[0]})) for records in fix_records(t, 30)
    ]
    hostile = [
        (topic, b"\xff not json"),
        (topic, b"[" * 5000),
        (topic, b'{"key": "wrong", "time": 1, "lat": 1, "lon": 1}'),
    ]
    packs = messages_for_mqtt_packed(stream_cfg, [*good[:10], *hostile, *good[10:]])
    assert all(m.headers.get(H_PACK) == "1" for m in packs)

    async def go() -> int:
        door = DeviceLog(stream_cfg)
        try:
            await door.append(packs)
            return await door.append(packs)  # the bridge retried the whole batch
        finally:
            await door.close()

    assert asyncio.run(go()) == len(packs)  # every pack of the retry dropped by the log
    worker = LogIngestWorker(stream_cfg, batch_size=1000, max_wait_s=0.05)
    asyncio.run(worker.run(idle_exit_s=0.5))
    assert Position.objects.filter(device_id=t.device_id).count() == 30
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == ["bad_credential", "malformed", "malformed"]
    assert log_backlog(stream_cfg) == 0


@pytest.mark.nats
@pytest.mark.django_db(transaction=True)
def test_a_door_pack_is_judged_member_by_member(world: Any, stream_cfg: LogConfig) -> None:
    """The door's group commit packs (serial, records) members; the worker reads them with the
    bridge's reader, and a bad member is its own dead letter while the others are stored."""
    from atd.telemetry.devicelog import pack_message

    t = make_tracked(world)
    other = make_tracked(world, "specialist_a")
    good = [(t.serial, records_body(r)) for r in fix_records(t, 10)]
    bad = [
        (t.serial, b"\xff not json"),  # unreadable: malformed
        (t.serial, records_body([{"time": clock.now().isoformat(), "lat": 95, "lon": 1}])),
        ("GHOST", records_body([{"time": clock.now().isoformat(), "lat": 1, "lon": 1}])),
    ]
    theirs = [(other.serial, records_body(r)) for r in fix_records(other, 3)]
    items = [*good[:5], *bad, *theirs, *good[5:]]
    packs = [pack_message(stream_cfg, 0, items, via="osmand", trusted=True)]

    async def go() -> None:
        door = DeviceLog(stream_cfg)
        try:
            await door.append(packs)
        finally:
            await door.close()

    asyncio.run(go())
    worker = LogIngestWorker(stream_cfg, batch_size=1000, max_wait_s=0.05)
    asyncio.run(worker.run(idle_exit_s=0.5))
    assert Position.objects.filter(device_id=t.device_id).count() == 10
    assert Position.objects.filter(device_id=other.device_id).count() == 3
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == ["bad_coordinates", "malformed", "unknown_device"]
    assert set(DeadLetter.objects.values_list("via", flat=True)) == {"osmand"}
    assert log_backlog(stream_cfg) == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_its_database_connection_from_batch_to_batch(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CONN_MAX_AGE is 0 for the web server's threads; the ingest worker's one database thread
    must not reconnect (a new PostgreSQL backend) for every batch it commits."""
    from types import SimpleNamespace

    from django.db import connection

    from atd.telemetry.devicelog import pack_message

    cfg = LogConfig("nats://unused", "S", "s", 4, 1, 120, 30, 10**6)
    t = make_tracked(world)
    batches = fix_records(t, 4)
    worker = LogIngestWorker(cfg)
    seen = []
    for records in (batches[:2], batches[2:]):
        pack = pack_message(
            cfg, 0, [(t.serial, records_body(r)) for r in records], via="osmand", trusted=True
        )
        worker.process([SimpleNamespace(data=pack.body, headers=pack.headers)])
        seen.append(connection.connection)
    assert seen[0] is not None and seen[0] is seen[1]
    assert Position.objects.filter(device_id=t.device_id).count() == 4
    # An unusable connection is still replaced before the next batch.
    connection.errors_occurred = True
    monkeypatch.setattr(connection, "is_usable", lambda: False)  # SQLite's is always True
    pack = pack_message(
        cfg, 0, [(t.serial, records_body(fix_records(t, 5)[4]))], via="osmand", trusted=True
    )
    worker.process([SimpleNamespace(data=pack.body, headers=pack.headers)])
    assert connection.connection is not seen[0]
    assert Position.objects.filter(device_id=t.device_id).count() == 5


def test_an_append_cut_off_by_a_lost_connection_fails_at_once_not_after_its_timeout() -> None:
    """A NATS node killed with appends in flight on the door's (or bridge's) connection: their
    answers went with it. They fail at once as LogFull (the sender retries; the ids make a
    stored one a repeat), not after the append timeout: with the timeout, every append of the
    bridge stalled 5 s per kill in the fleet benchmark."""
    import signal
    import time

    from atd.testing.cluster import NatsCluster
    from atd.testing.services import require_nats_server

    cluster = NatsCluster(require_nats_server(), size=1)
    cluster.start()
    cfg = LogConfig(cluster.url, "CUT", "cut", 2, 1, 60, 30, 1 << 24, append_timeout_s=30)
    log = DeviceLog(cfg)

    async def go() -> tuple[list[bool | LogFull], list[bool | LogFull], float]:
        records = [{"time": 1, "lat": 1, "lon": 2}]
        messages = [message_for_records(cfg, serial="D-1", via="osmand", records=records)]
        healthy = await log.append_each(messages)
        proc = cluster.procs[0]
        assert proc is not None
        proc.send_signal(signal.SIGSTOP)  # the append below is sent and never answered
        pending = asyncio.ensure_future(log.append_each(messages))
        await asyncio.sleep(0.3)
        assert not pending.done()
        started = time.monotonic()
        cluster.kill9(0)  # the connection drops with the append in flight
        outcomes = await asyncio.wait_for(pending, 10)
        elapsed = time.monotonic() - started
        if log.nc is not None:
            await log.nc.close()
        return healthy, outcomes, elapsed

    try:
        healthy, outcomes, elapsed = asyncio.run(go())
    finally:
        cluster.stop()
    assert healthy == [False]  # stored
    assert len(outcomes) == 1 and isinstance(outcomes[0], LogFull)
    assert "lost" in str(outcomes[0])
    assert elapsed < 5  # the timeout was 30 s
    assert log.cut_off == 1


@pytest.mark.parametrize("linger", ["inf", "nan", "-1", "11"])
def test_ingest_log_refuses_a_linger_that_would_stall_or_mean_nothing(linger: str) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.test import override_settings

    with override_settings(ATD_NATS_URL="nats://127.0.0.1:1"):
        with pytest.raises(CommandError, match="--linger"):
            call_command("ingest_log", f"--linger={linger}")
