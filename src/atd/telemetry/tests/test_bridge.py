"""The MQTT bridge: broker -> device log, acknowledged to the broker after the append."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from atd.core import clock
from atd.telemetry.bridge import MqttBridge
from atd.telemetry.devicelog import LogConfig, LogIngestWorker, log_backlog
from atd.telemetry.models import Position
from atd.telemetry.mqtt import session_forget, topic_for
from atd.telemetry.tests.conftest import HOME, make_tracked
from atd.testing.services import require_mqtt

pytestmark = [pytest.mark.mqtt, pytest.mark.nats, pytest.mark.django_db(transaction=True)]


def test_messages_reach_the_log_once_and_the_worker_stores_them(
    world: Any, stream_cfg: LogConfig
) -> None:
    require_mqtt()
    t = make_tracked(world)
    client_id = f"atd-bridge-test-{uuid.uuid4().hex[:8]}"
    group = f"b{uuid.uuid4().hex[:8]}"
    ready = threading.Event()
    root = f"atdtest-{uuid.uuid4().hex[:8]}"  # the broker is shared: a topic of our own
    bridge = MqttBridge(
        stream_cfg, client_id=client_id, group=group, on_ready=ready.set, topic_root=root
    )
    thread = threading.Thread(target=bridge.run, kwargs={"idle_exit_s": 2.0}, daemon=True)
    thread.start()
    try:
        assert ready.wait(timeout=30), "bridge did not subscribe"
        pub = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        pub.connect("127.0.0.1", 1883)
        pub.loop_start()
        base = clock.now() - timedelta(hours=1)
        payloads = [
            json.dumps(
                {
                    "key": t.secret,
                    "time": (base + timedelta(seconds=i)).isoformat(),
                    "lat": HOME[0],
                    "lon": HOME[1],
                }
            )
            for i in range(300)
        ]
        infos = [pub.publish(topic_for(t.serial, root), p, qos=1) for p in payloads]
        infos += [
            pub.publish(topic_for(t.serial, root), p, qos=1) for p in payloads[:50]
        ]  # retries
        for info in infos:
            info.wait_for_publish(timeout=30)
        pub.loop_stop()
        pub.disconnect()
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        bridge.stopping = True
        thread.join(timeout=10)
        bridge.close()
        session_forget(client_id)
    # The 50 retries are dropped before the append (the bridge's window of message ids); the
    # 300 fixes travel in a few packs (group commit), not 300 log messages.
    assert bridge.appended == 300 and bridge.repeats == 50
    assert 1 <= log_backlog(stream_cfg) < 300
    worker = LogIngestWorker(stream_cfg, batch_size=1000, max_wait_s=0.05)
    asyncio.run(worker.run(idle_exit_s=0.5))
    assert Position.objects.filter(device_id=t.device_id).count() == 300
    deadline = time.monotonic() + 5
    while log_backlog(stream_cfg) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert log_backlog(stream_cfg) == 0
