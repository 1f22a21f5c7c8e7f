"""MQTT ingest against the real broker: every message stored exactly once through kill -9s."""

from __future__ import annotations

import json
import os
import random
import signal
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from atd.core import clock
from atd.telemetry.models import DeadLetter, Position
from atd.telemetry.mqtt import message_decode, session_forget, topic_for
from atd.telemetry.tests.conftest import HOME
from atd.testing.services import require_mqtt

MESSAGES = int(os.environ.get("ATD_MQTT_TEST_MESSAGES", "10000"))
KILLS = int(os.environ.get("ATD_MQTT_TEST_KILLS", "20"))


def test_message_payload_forms_decode_to_one_submission() -> None:
    topic = topic_for("D-1")
    a = message_decode(topic, b'{"key": "k", "records": [{"time": 1, "lat": 1, "lon": 1}]}')
    b = message_decode(topic, b'{"key": "k", "time": 1, "lat": 1, "lon": 1}')
    assert a.serial == b.serial == "D-1" and a.secret == b.secret == "k"
    assert a.records == b.records
    with pytest.raises(ValueError):
        message_decode(topic, b"42")


def _worker_life(client_id: str, group: str, ready: Any) -> None:
    """A forked worker process: Django is already set up (the parent closed its database
    connections before forking), so a restart costs milliseconds, not a Django start-up."""
    from atd.telemetry.mqtt import IngestWorker

    code = 0
    try:
        IngestWorker(client_id=client_id, group=group, batch_size=200, on_ready=ready.set).run()
    except BaseException:
        code = 1
    os._exit(code)


def _publisher(serial: str, secret: str, device_id: int, count: int, up: Any, done: Any) -> None:
    """A forked publisher: QoS 1, paused while no worker is connected and while more than 800
    messages wait, so the broker's per-client queue limit (Mosquitto: 1000 messages by
    default, then it drops) is never what is tested."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
    )
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    base = clock.now() - timedelta(hours=6)
    infos = []
    for i in range(count):
        up.wait()
        record = {
            "seq": i,
            "time": (base + timedelta(seconds=i)).isoformat(),
            "lat": HOME[0] + (i % 100) * 1e-6,
            "lon": HOME[1],
            "accuracy": 8,
        }
        payload = json.dumps({"key": secret, "records": [record]})
        infos.append(client.publish(topic_for(serial), payload, qos=1))
        if i % 200 == 199:
            while i - Position.objects.filter(device_id=device_id).count() > 800:
                time.sleep(0.05)
    for info in infos:
        info.wait_for_publish(timeout=30)
    client.loop_stop()
    client.disconnect()
    done.set()
    os._exit(0)


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_kill_9_at_random_points_loses_and_duplicates_nothing(world: Any) -> None:
    require_mqtt()
    import multiprocessing

    from django.db import connections

    from atd.telemetry.tests.conftest import make_tracked

    ctx = multiprocessing.get_context("fork")
    tracked = make_tracked(world)
    client_id = f"atd-test-{uuid.uuid4().hex[:8]}"
    group = f"t{uuid.uuid4().hex[:8]}"
    rng = random.Random(11)
    up, done = ctx.Event(), ctx.Event()

    def spawn() -> tuple[Any, Any]:
        ready = ctx.Event()
        connections.close_all()  # a forked child must not share the parent's connections
        proc = ctx.Process(target=_worker_life, args=(client_id, group, ready), daemon=True)
        proc.start()
        return proc, ready

    worker, ready = spawn()
    assert ready.wait(timeout=20), "ingest worker did not subscribe"
    connections.close_all()
    publisher = ctx.Process(
        target=_publisher,
        args=(tracked.serial, tracked.secret, tracked.device_id, MESSAGES, up, done),
        daemon=True,
    )
    publisher.start()
    up.set()
    kills = 0
    try:
        while kills < KILLS:
            if rng.random() < 0.2:
                time.sleep(rng.uniform(0.0, 0.05))  # killed while still connecting
            else:
                ready.wait(timeout=10)
                time.sleep(rng.uniform(0.1, 1.2))  # killed mid-batch, mid-commit or idle
            up.clear()
            os.kill(worker.pid, signal.SIGKILL)
            worker.join()
            kills += 1
            worker, ready = spawn()
            if ready.wait(timeout=10):
                up.set()
        up.set()
        assert done.wait(timeout=120), "publisher did not finish"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Position.objects.filter(device_id=tracked.device_id).count() >= MESSAGES:
                break
            time.sleep(0.5)
        time.sleep(1.0)  # anything redelivered late must still change nothing
        rows = Position.objects.filter(device_id=tracked.device_id)
        assert rows.count() == MESSAGES, f"lost {MESSAGES - rows.count()} of {MESSAGES}"
        assert rows.values("seq").distinct().count() == MESSAGES
        # (other publishers on a shared broker may reach this worker too: only ours count)
        assert not DeadLetter.objects.filter(device_serial=tracked.serial).exists()
        assert kills >= KILLS
    finally:
        up.set()
        for proc in (worker, publisher):
            if proc.is_alive():
                proc.kill()
                proc.join()
        session_forget(client_id)
