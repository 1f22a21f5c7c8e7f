"""The MQTT bridge: Mosquitto -> the JetStream device log, acknowledged after the append.

It subscribes like an ingest worker (QoS 1, persistent session, shared subscription, manual
acknowledgement) but, instead of running the pipeline, appends each message's raw payload to
the log and PUBACKs the broker only once JetStream acknowledged the append. Group commit: the
messages of one partition in a batch travel as one log message (a pack, devicelog.py), so one
replicated append carries many fixes. A bridge killed at any point leaves its unacknowledged
messages in the broker's session; they come again, possibly in another pack, and the
database's unique keys store each fix once (a retried append of the same pack is dropped by
the log's `Nats-Msg-Id` de-duplication).

What a device's PUBACK means on this route: Mosquitto answers the device itself, when it holds
the message (in memory; on disk at its autosave or shutdown). From there to the log nothing is
lost; a kill -9 of Mosquitto loses what it held and had not delivered. docs/telemetry.md says
so, and why the NATS MQTT listener (whose PUBACK follows the stream append) is not used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from atd.telemetry.devicelog import (
    DeviceLog,
    LogConfig,
    LogFull,
    message_id,
    messages_for_mqtt_packed,
    partition_of,
)
from atd.telemetry.mqtt import IngestWorker, _topic_of, serial_of_topic
from atd.telemetry.mqtt_lean import LeanClient

# At most this many message ids are kept for de-duplication (about 100 MB).
RECENT_MAX = 1_000_000
# Topics whose serial and partition are remembered (one per device; cleared when full).
ROUTES_MAX = 100_000

log = logging.getLogger(__name__)


class MqttBridge(IngestWorker):
    def __init__(
        self,
        cfg: LogConfig,
        *,
        client_id: str,
        group: str | None = None,
        url: str | None = None,
        batch_size: int = 2000,
        max_wait_s: float = 0.01,
        on_ready: Callable[[], None] | None = None,
        topic_root: str | None = None,
    ) -> None:
        super().__init__(
            client_id=client_id,
            group=group,
            url=url,
            batch_size=batch_size,
            max_wait_s=max_wait_s,
            on_ready=on_ready,
            topic_root=topic_root,
        )
        self.cfg = cfg
        self.loop = asyncio.new_event_loop()
        self.devicelog = DeviceLog(cfg)
        self.appended = 0
        self.repeats = 0
        self.recent: dict[str, float] = {}  # message id -> when appended (insertion order)
        self.routes: dict[bytes, tuple[str, str, int]] = {}  # raw topic -> topic, serial, partition

    def _client_new(self, client_id: str) -> mqtt.Client:
        # paho's per-message receive and PUBACK path was most of the bridge's CPU (mqtt_lean).
        return LeanClient(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )

    def _route(self, message: mqtt.MQTTMessage) -> tuple[str, str, int]:
        """The message's topic, device serial (the topic itself when it names none) and log
        partition, remembered per topic: a device publishes on one topic again and again."""
        raw = message._topic
        route = self.routes.get(raw)
        if route is None:
            if len(self.routes) >= ROUTES_MAX:
                self.routes.clear()
            topic = _topic_of(message)
            serial = serial_of_topic(topic) or topic
            route = (topic, serial, partition_of(serial, self.cfg.partitions))
            self.routes[raw] = route
        return route

    def _fresh(
        self, messages: list[mqtt.MQTTMessage]
    ) -> tuple[list[tuple[str, bytes]], list[int], list[str]]:
        """The messages not already appended within the de-duplication window (a device's
        retry: the same topic and bytes), with their partitions and ids. Packs carry ids of
        their own, so the log's de-duplication of a single device message happens here, per
        bridge; a retry that reaches another bridge, or this one after a restart, is stored
        once by the database's unique keys."""
        now = time.monotonic()
        horizon = now - self.cfg.dedup_window_s
        recent = self.recent
        while recent:
            oldest = next(iter(recent))
            if recent[oldest] > horizon and len(recent) <= RECENT_MAX:
                break
            del recent[oldest]
        fresh: list[tuple[str, bytes]] = []
        partitions: list[int] = []
        ids: list[str] = []
        seen: set[str] = set()
        for m in messages:
            topic, serial, partition = self._route(m)
            mid = message_id(serial, m.payload)
            if mid in recent or mid in seen:
                self.repeats += 1
                continue
            seen.add(mid)
            ids.append(mid)
            fresh.append((topic, m.payload))
            partitions.append(partition)
        return fresh, partitions, ids

    def process(self, messages: list[mqtt.MQTTMessage]) -> None:
        fresh, partitions, ids = self._fresh(messages)
        # Group commit: one log message per partition's run of MQTT messages (devicelog.py).
        batch = messages_for_mqtt_packed(self.cfg, fresh, partitions)
        delay = 0.2
        said = 0.0
        while batch:
            try:
                self.loop.run_until_complete(self.devicelog.append(batch))
                break
            except LogFull as exc:
                # Not acknowledged: the broker keeps them. Retry in place, so this
                # subscription's order is kept (a NATS node failing over takes seconds).
                if self.stopping:
                    return
                if time.monotonic() - said >= 30:  # an outage: one line per 30 s, not per retry
                    said = time.monotonic()
                    log.warning("device log refused %d message(s): %s; retrying", len(batch), exc)
                time.sleep(delay)
                # A stream leader's election took 4-7 s here (docs/operations.md): retry
                # often enough to follow it.
                delay = min(delay * 2, 0.5)
        now = time.monotonic()
        for mid in ids:
            self.recent[mid] = now
        # Only now, every message of the batch (repeats included: their first copy is in the
        # log) is acknowledged to the broker.
        self._ack(messages)
        self.appended += len(fresh)
        self.stats.messages += len(messages)
        self.stats.batches += 1

    def _ack(self, messages: list[mqtt.MQTTMessage]) -> None:
        client = self.client
        if isinstance(client, LeanClient):
            client.acks_send([m.mid for m in messages if m.qos == 1])
            for m in messages:
                if m.qos == 2:
                    client.ack(m.mid, m.qos)
        else:
            super()._ack(messages)

    def close(self) -> None:
        self.loop.run_until_complete(self.devicelog.close())
        self.loop.close()
