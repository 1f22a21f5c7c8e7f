"""The MQTT ingest worker: subscribes to `atd/devices/+/telemetry` and feeds the pipeline.

Reliability, in order of what can go wrong:
- QoS 1 with a persistent session (clean_start=False, a long session expiry, a stable client
  id): messages published while the worker is down wait in the broker.
- Manual acknowledgement: a message is PUBACKed only after the transaction holding its records
  has committed. A worker killed before that gets the message again on reconnect; the unique
  (device, fix time) key makes the redelivery change nothing. So every message is stored
  exactly once, whatever the kill point.
- MQTT 5 shared subscription (`$share/<group>/...`): several workers split the load.
- A batch that fails is retried message by message; a message that fails on its own is kept
  as a dead letter (reason pipeline_error) and acknowledged, so one poison message cannot
  block the queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import close_old_connections
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from atd.telemetry.pipeline import Submission, pipeline_run
from atd.telemetry.services import dead_letter_payload
from atd.telemetry.wire import json_loads

log = logging.getLogger(__name__)
TOPIC = "atd/devices/+/telemetry"
SESSION_EXPIRY_S = 7 * 24 * 3600


def topic_for(serial: str) -> str:
    return f"atd/devices/{serial}/telemetry"


def message_decode(topic: str, payload: bytes) -> Submission:
    """Payload: {"key": secret, "records": [...]}, one record object (with "key"), or a JSON
    array of records that carry their own keys. The topic names the device."""
    parts = topic.split("/")
    serial = parts[2] if len(parts) == 4 else None
    body = json_loads(payload)
    if isinstance(body, list):
        return Submission(body, serial, None)
    if isinstance(body, dict):
        secret = body.get("key")
        if isinstance(body.get("records"), list):
            return Submission(body["records"], serial, secret)
        return Submission([{k: v for k, v in body.items() if k != "key"}], serial, secret)
    raise ValueError("payload is neither an object nor an array")


@dataclass
class WorkerStats:
    messages: int = 0
    batches: int = 0
    records: int = 0  # stored as new
    duplicates: int = 0  # already stored (a resend or a redelivery): nothing changed
    rejected: int = 0  # refused one by one, each kept as a dead letter


class IngestWorker:
    def __init__(
        self,
        *,
        client_id: str,
        group: str | None = None,
        url: str | None = None,
        batch_size: int | None = None,
        max_wait_s: float = 0.2,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        parsed = urlparse(url or settings.ATD_MQTT_URL)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 1883
        self.group = group or settings.ATD_MQTT_SHARE_GROUP
        self.batch_size = batch_size or settings.ATD_MQTT_BATCH
        self.max_wait_s = max_wait_s
        self.on_ready = on_ready
        self.pending: list[mqtt.MQTTMessage] = []
        self.stats = WorkerStats()
        self.stopping = False
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("MQTT connect refused: %s", reason)
            return
        client.subscribe(f"$share/{self.group}/{TOPIC}", qos=1)

    def _on_subscribe(self, client: Any, userdata: Any, mid: Any, reasons: Any, props: Any) -> None:
        log.info("subscribed to $share/%s/%s", self.group, TOPIC)
        if self.on_ready is not None:
            self.on_ready()

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.pending.append(message)

    def connect(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        # Let the broker keep a whole batch in flight (Mosquitto honours an MQTT 5 client's
        # receive maximum instead of its 20-message default).
        props.ReceiveMaximum = min(65535, max(100, self.batch_size * 2))
        self.client.connect(self.host, self.port, keepalive=30, clean_start=False, properties=props)

    def _connect_until_up(self) -> None:
        """A broker that is down (or restarting) is waited for, never a reason to exit."""
        delay = 0.5
        while not self.stopping:
            try:
                self.connect()
                return
            except OSError as exc:
                log.warning(
                    "MQTT broker %s:%s not reachable (%s); retrying", self.host, self.port, exc
                )
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def run(self, *, idle_exit_s: float | None = None) -> WorkerStats:
        self._connect_until_up()
        first_wait: float | None = None
        last_activity = time.monotonic()
        while not self.stopping:
            rc = self.client.loop(timeout=0.02)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                # Connection lost: unacknowledged messages will be redelivered on reconnect,
                # so what is pending here is dropped, not processed.
                self.pending.clear()
                time.sleep(0.5)
                try:
                    self.client.reconnect()
                except OSError:
                    continue
            # paho reads one packet per loop(); drain what the socket already holds.
            for _ in range(self.batch_size):
                before = len(self.pending)
                self.client.loop_read()
                if len(self.pending) == before:
                    break
            now = time.monotonic()
            if self.pending:
                last_activity = now
                first_wait = first_wait or now
                if len(self.pending) >= self.batch_size or now - first_wait >= self.max_wait_s:
                    self.process(self.pending[: self.batch_size])
                    self.pending = self.pending[self.batch_size :]
                    first_wait = now if self.pending else None
            elif idle_exit_s is not None and now - last_activity > idle_exit_s:
                break
        self.client.disconnect()
        return self.stats

    def process(self, messages: list[mqtt.MQTTMessage]) -> None:
        close_old_connections()
        submissions: list[Submission] = []
        decoded: list[mqtt.MQTTMessage] = []
        for message in messages:
            try:
                submissions.append(message_decode(message.topic, message.payload))
                decoded.append(message)
            except (ValueError, UnicodeDecodeError):
                self.stats.rejected += 1
                dead_letter_payload(
                    via="mqtt", reason="malformed", payload=message.payload[:20_000]
                )
        if submissions:
            try:
                result = pipeline_run(submissions=submissions, via="mqtt")
                self.stats.records += result.accepted
                self.stats.duplicates += result.duplicates
                self.stats.rejected += len(result.rejected)
            except Exception:
                log.exception("MQTT batch of %d failed; retrying one by one", len(submissions))
                self._one_by_one(submissions, decoded)
        # Only now, with the records committed (or dead-lettered), acknowledge the messages.
        for message in messages:
            self.client.ack(message.mid, message.qos)
        self.stats.messages += len(messages)
        self.stats.batches += 1

    def _one_by_one(self, submissions: list[Submission], messages: list[mqtt.MQTTMessage]) -> None:
        for submission, message in zip(submissions, messages, strict=True):
            try:
                pipeline_run(submissions=[submission], via="mqtt")
            except Exception as exc:
                log.exception("MQTT message on %s failed; kept as a dead letter", message.topic)
                dead_letter_payload(
                    via="mqtt",
                    reason="pipeline_error",
                    payload=submission.records,
                    serial=submission.serial or "",
                )
                log.debug("error was %r", exc)


def session_forget(client_id: str, url: str | None = None) -> None:
    """Drops a worker's persistent session at the broker (tests and decommissioning)."""
    parsed = urlparse(url or settings.ATD_MQTT_URL)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    client.connect(
        parsed.hostname or "127.0.0.1", parsed.port or 1883, clean_start=True, properties=props
    )
    client.loop(timeout=0.2)
    client.disconnect()
