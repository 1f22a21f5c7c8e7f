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
from atd.telemetry.devicelog import LogConfig, LogFull, LogIngestWorker, log_backlog
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


def _bridge_run(bridge: MqttBridge, ready: threading.Event, idle_exit_s: float) -> threading.Thread:
    thread = threading.Thread(target=bridge.run, kwargs={"idle_exit_s": idle_exit_s}, daemon=True)
    thread.start()
    assert ready.wait(timeout=30), "bridge did not subscribe"
    return thread


def test_a_message_is_pubacked_only_after_its_append_and_then_never_comes_again(
    world: Any, stream_cfg: LogConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broker keeps every message the log refused (no PUBACK) and gives it to the next
    bridge with the same session; once appended, the batched PUBACKs reached the broker: a
    third connection of that session gets nothing."""
    require_mqtt()
    client_id = f"atd-bridge-test-{uuid.uuid4().hex[:8]}"
    group = f"b{uuid.uuid4().hex[:8]}"
    root = f"atdtest-{uuid.uuid4().hex[:8]}"
    try:
        ready = threading.Event()
        refusing = MqttBridge(
            stream_cfg, client_id=client_id, group=group, on_ready=ready.set, topic_root=root
        )
        refused = threading.Event()

        async def refuse(batch: Any) -> int:
            refused.set()
            raise LogFull("no quorum (test)")

        monkeypatch.setattr(refusing.devicelog, "append", refuse)
        thread = _bridge_run(refusing, ready, idle_exit_s=60)
        pub = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        pub.connect("127.0.0.1", 1883)
        pub.loop_start()
        infos = [
            pub.publish(topic_for(f"dev{i % 3}", root), f'{{"n": {i}}}', qos=1) for i in range(40)
        ]
        for info in infos:
            info.wait_for_publish(timeout=30)
        pub.loop_stop()
        pub.disconnect()
        assert refused.wait(timeout=30)
        refusing.stopping = True
        thread.join(timeout=30)
        assert not thread.is_alive()
        refusing.close()
        assert refusing.appended == 0

        ready = threading.Event()
        second = MqttBridge(
            stream_cfg, client_id=client_id, group=group, on_ready=ready.set, topic_root=root
        )
        _bridge_run(second, ready, idle_exit_s=2.0).join(timeout=60)
        second.close()
        assert second.appended == 40 and second.repeats == 0

        ready = threading.Event()
        third = MqttBridge(
            stream_cfg, client_id=client_id, group=group, on_ready=ready.set, topic_root=root
        )
        _bridge_run(third, ready, idle_exit_s=2.0).join(timeout=60)
        third.close()
        assert third.stats.messages == 0
    finally:
        session_forget(client_id)
