"""Processes for the MQTT kill test, started with the "spawn" method: a fresh interpreter each,
because forking the multi-threaded test process (database, browser and DuckDB threads) is not
safe. This module imports nothing from Django at import time, so a spawned child can load it
before it sets Django up."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import timedelta
from typing import Any


def _child_django(db_name: str) -> None:
    """A spawned child (a fresh interpreter: forking the multi-threaded test process is not
    safe) sets Django up on the parent's test database."""
    os.environ["ATD_TASKS_IMMEDIATE"] = "1"  # the settings' test flag in a process without pytest
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = db_name


def worker_life(client_id: str, group: str, ready: Any, db_name: str) -> None:
    """One life of the ingest worker, until it is killed with SIGKILL."""
    _child_django(db_name)
    from atd.telemetry.mqtt import IngestWorker

    code = 0
    try:
        IngestWorker(client_id=client_id, group=group, batch_size=200, on_ready=ready.set).run()
    except BaseException:
        code = 1
    os._exit(code)


def publisher_life(
    serial: str, secret: str, device_id: int, count: int, up: Any, done: Any, db_name: str
) -> None:
    """The publisher process: QoS 1, paused while no worker is connected and while more than 500
    messages wait (checked every 100), so the broker's per-client queue limit (Mosquitto: 1000 messages by
    default, then it drops) is never what is tested."""
    _child_django(db_name)
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from atd.core import clock
    from atd.telemetry.models import Position
    from atd.telemetry.mqtt import topic_for
    from atd.telemetry.tests.conftest import HOME

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
        # At most ~600 outstanding (checked every 100): well inside the broker's 1,000 even on
        # a loaded machine, where a worker holds its in-flight window unacknowledged for longer.
        if i % 100 == 99:
            while i - Position.objects.filter(device_id=device_id).count() > 500:
                time.sleep(0.05)
    # Disconnecting with a publish not yet acknowledged by the broker would lose it on the
    # publisher's side, which is not what the test is about: wait for every PUBACK.
    deadline = time.monotonic() + 180
    for info in infos:
        while not info.is_published() and time.monotonic() < deadline:
            info.wait_for_publish(timeout=1)
    client.loop_stop()
    client.disconnect()
    done.set()
    os._exit(0)
