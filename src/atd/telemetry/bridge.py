"""The MQTT bridge: Mosquitto -> the JetStream device log, acknowledged after the append.

It subscribes like an ingest worker (QoS 1, persistent session, shared subscription, manual
acknowledgement) but, instead of running the pipeline, appends each message's raw payload to
the log and PUBACKs the broker only once JetStream acknowledged the append. A bridge killed at
any point leaves its unacknowledged messages in the broker's session; they come again and the
log's `Nats-Msg-Id` de-duplication drops the ones already appended.

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

from atd.telemetry.devicelog import DeviceLog, LogConfig, LogFull, message_for_mqtt
from atd.telemetry.mqtt import IngestWorker

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

    def process(self, messages: list[mqtt.MQTTMessage]) -> None:
        batch = [message_for_mqtt(self.cfg, topic=m.topic, payload=m.payload) for m in messages]
        delay = 0.2
        while True:
            try:
                self.repeats += self.loop.run_until_complete(self.devicelog.append(batch))
                break
            except LogFull as exc:
                # Not acknowledged: the broker keeps them. Retry in place, so this
                # subscription's order is kept (a NATS node failing over takes seconds).
                if self.stopping:
                    return
                log.warning("device log refused %d message(s): %s; retrying", len(batch), exc)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        for message in messages:
            self.client.ack(message.mid, message.qos)
        self.appended += len(batch)
        self.stats.messages += len(messages)
        self.stats.batches += 1

    def close(self) -> None:
        self.loop.run_until_complete(self.devicelog.close())
        self.loop.close()
