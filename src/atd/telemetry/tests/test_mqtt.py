"""MQTT ingest against the real broker: every message stored exactly once through kill -9s."""

from __future__ import annotations

import os
import random
import signal
import time
import uuid
from typing import Any

import pytest

from atd.telemetry.models import DeadLetter, Position
from atd.telemetry.mqtt import message_decode, session_forget, topic_for
from atd.telemetry.tests.mqtt_children import publisher_life, worker_life
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


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_kill_9_at_random_points_loses_and_duplicates_nothing(world: Any) -> None:
    require_mqtt()
    import multiprocessing

    from django.db import connections

    from atd.telemetry.tests.conftest import make_tracked

    ctx = multiprocessing.get_context("spawn")
    tracked = make_tracked(world)
    client_id = f"atd-test-{uuid.uuid4().hex[:8]}"
    group = f"t{uuid.uuid4().hex[:8]}"
    rng = random.Random(11)
    up, done = ctx.Event(), ctx.Event()

    db_name = connections["default"].settings_dict["NAME"]

    def spawn() -> tuple[Any, Any]:
        ready = ctx.Event()
        proc = ctx.Process(target=worker_life, args=(client_id, group, ready, db_name), daemon=True)
        proc.start()
        return proc, ready

    worker, ready = spawn()
    assert ready.wait(timeout=60), "ingest worker did not subscribe"
    publisher = ctx.Process(
        target=publisher_life,
        args=(tracked.serial, tracked.secret, tracked.device_id, MESSAGES, up, done, db_name),
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
                ready.wait(timeout=30)
                time.sleep(rng.uniform(0.1, 1.2))  # killed mid-batch, mid-commit or idle
            up.clear()
            os.kill(worker.pid, signal.SIGKILL)
            worker.join()
            kills += 1
            worker, ready = spawn()
            if ready.wait(timeout=30):
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
