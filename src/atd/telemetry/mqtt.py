"""The MQTT ingest worker: subscribes to `atd/devices/+/telemetry` and feeds the pipeline.

Reliability, in order of what can go wrong:
- QoS 1 with a persistent session (clean_start=False, a long session expiry, a stable client
  id): messages published while the worker is down wait in the broker.
- Manual acknowledgement: a message is PUBACKed only after the transaction holding its records
  has committed. A worker killed before that gets the message again on reconnect; the unique
  (device, fix time) key makes the redelivery change nothing. So every message is stored
  exactly once, whatever the kill point.
- MQTT 5 shared subscription (`$share/<group>/...`): several workers split the load.
- Poison messages: decoding is bounded (telemetry.wire) and every record is judged alone, so
  a hostile payload is dead-lettered, not raised. A batch that still fails is retried message
  by message; a message that fails alone ATD_MQTT_MAX_ATTEMPTS times, or comes back that many
  times after killing the worker (counted from the broker's DUP flag, telemetry.parking), is
  parked as a dead letter and acknowledged, so it is never redelivered forever. A database
  outage is not a poison message: the worker drops its batch unacknowledged, reconnects, and
  the broker delivers it again.
- Disconnects and reconnects are logged with the broker's reason code (a session taken over
  by another worker with the same client id shows as "Session taken over").
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
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from atd.telemetry.parking import (
    message_attempts_clear,
    message_attempts_count,
    message_attempts_known,
    message_key,
    message_park,
)
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.telemetry.rules.storable import text_storable
from atd.telemetry.services import dead_letter_payload
from atd.telemetry.wire import (
    PayloadProblem,
    WireLimits,
    body_size_check,
    json_decode,
    records_count_check,
    wire_limits,
)

log = logging.getLogger(__name__)
ISOLATE_AFTER = 2  # deliveries through crashes before a redelivered message goes alone
SESSION_EXPIRY_S = 7 * 24 * 3600


def topic_root(root: str | None = None) -> str:
    return str(root or settings.ATD_MQTT_TOPIC_ROOT).strip("/")


def topic_filter(root: str | None = None) -> str:
    return f"{topic_root(root)}/+/telemetry"


def topic_for(serial: str, root: str | None = None) -> str:
    return f"{topic_root(root)}/{serial}/telemetry"


def serial_of_topic(topic: str) -> str | None:
    parts = topic.split("/")
    return parts[-2] or None if len(parts) >= 3 and parts[-1] == "telemetry" else None


def message_decode(topic: str, payload: bytes, limits: WireLimits | None = None) -> Submission:
    """Payload: {"key": secret, "records": [...]}, one record object (with "key"), or a JSON
    array of records that carry their own keys. The topic names the device. A payload that
    cannot be read whole (too large, too deep, not JSON, too many records) raises
    PayloadProblem; records inside it are judged one by one by the pipeline."""
    limits = limits or wire_limits()
    body_size_check(len(payload), limits)
    serial = serial_of_topic(topic)
    body = json_decode(payload)
    if isinstance(body, list):
        records_count_check(len(body), limits)
        return Submission(body, serial, None)
    if isinstance(body, dict):
        secret = body.get("key")
        if not isinstance(secret, str) or not text_storable(secret):
            secret = None  # a key that is not text matches no device: its records say so
        if isinstance(body.get("records"), list):
            records_count_check(len(body["records"]), limits)
            return Submission(body["records"], serial, secret)
        return Submission([{k: v for k, v in body.items() if k != "key"}], serial, secret)
    raise PayloadProblem("malformed", "payload is neither an object nor an array")


def _topic_of(message: mqtt.MQTTMessage) -> str:
    try:
        return message.topic
    except UnicodeDecodeError:  # brokers check topics are UTF-8; never trust it
        return bytes(message._topic).decode("utf-8", "replace")


def _readable_or_raw(payload: bytes) -> Any:
    """A parked message as its decoded value when it reads (so the device secret in it can be
    stripped like any dead letter's), else its raw bytes."""
    try:
        return json_decode(payload)
    except PayloadProblem:
        return payload


def _infrastructure(exc: BaseException) -> bool:
    """The database is away or busy (outage, deadlock, lock timeout): not the message's
    fault, so it is redelivered rather than parked (its deliveries are still counted)."""
    return isinstance(exc, OperationalError | InterfaceError)


@dataclass
class WorkerStats:
    messages: int = 0
    batches: int = 0
    records: int = 0  # stored as new
    duplicates: int = 0  # already stored (a resend or a redelivery): nothing changed
    rejected: int = 0  # records refused one by one, each kept as a dead letter
    dead_lettered: int = 0  # messages refused whole (undecodable, too large, too deep)
    parked: int = 0
    reconnects: int = 0


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
        max_attempts: int | None = None,
        topic_root: str | None = None,
    ) -> None:
        parsed = urlparse(url or settings.ATD_MQTT_URL)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 1883
        self.group = group or settings.ATD_MQTT_SHARE_GROUP
        self.batch_size = batch_size or settings.ATD_MQTT_BATCH
        self.max_wait_s = max_wait_s
        self.max_attempts = max_attempts or settings.ATD_MQTT_MAX_ATTEMPTS
        self.topic = topic_filter(topic_root)
        self.on_ready = on_ready
        self.pending: list[mqtt.MQTTMessage] = []
        self.stats = WorkerStats()
        self.stopping = False
        self.client_id = client_id
        self.client = self._client_new(client_id)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _client_new(self, client_id: str) -> mqtt.Client:
        return mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error(
                "MQTT connect to %s:%s refused: %s (reason code %s)",
                self.host,
                self.port,
                reason,
                getattr(reason, "value", reason),
            )
            return
        log.info(
            "MQTT connected to %s:%s as %s (session present: %s)",
            self.host,
            self.port,
            self.client_id,
            getattr(flags, "session_present", "?"),
        )
        client.subscribe(f"$share/{self.group}/{self.topic}", qos=1)

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if self.stopping:
            return
        self.stats.reconnects += 1
        log.warning(
            "MQTT disconnected from %s:%s: %s (reason code %s); will reconnect",
            self.host,
            self.port,
            reason,
            getattr(reason, "value", reason),
        )

    def _on_subscribe(self, client: Any, userdata: Any, mid: Any, reasons: Any, props: Any) -> None:
        log.info("subscribed to $share/%s/%s", self.group, self.topic)
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
                log.warning(
                    "MQTT connection to %s:%s lost (%s); reconnecting",
                    self.host,
                    self.port,
                    mqtt.error_string(rc),
                )
                self.pending.clear()
                first_wait = None
                time.sleep(0.5)
                try:
                    self.client.reconnect()
                except OSError as exc:
                    log.warning("MQTT reconnect failed: %s", exc)
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
                    batch = self.pending[: self.batch_size]
                    self.pending = self.pending[self.batch_size :]
                    first_wait = now if self.pending else None
                    self._process_or_back_off(batch)
            elif idle_exit_s is not None and now - last_activity > idle_exit_s:
                break
        self.client.disconnect()
        return self.stats

    def _process_or_back_off(self, batch: list[mqtt.MQTTMessage]) -> None:
        """Nothing a payload holds may end the worker. What escapes `process` is the database
        being away: the batch stays unacknowledged, and reconnecting makes the broker deliver
        it again (with DUP set, so the deliveries are counted toward parking)."""
        try:
            self.process(batch)
        except Exception:
            log.exception(
                "MQTT batch of %d not processed; reconnecting so the broker redelivers it",
                len(batch),
            )
            self.pending.clear()
            close_old_connections()
            time.sleep(1.0)
            self.client.disconnect()  # run() sees the lost connection and reconnects

    def process(self, messages: list[mqtt.MQTTMessage]) -> None:
        """Fresh messages go through the pipeline as one batch, uncounted. Redelivered ones
        (DUP set: an earlier delivery may have killed the worker) are counted, committed,
        right before the transaction that processes them: first as one batch (a crash then
        counts against every message in it), and once a message has been in flight through
        two crashes, alone, acknowledged as soon as it is done, so a crash is pinned on the
        message that caused it. At ATD_MQTT_MAX_ATTEMPTS it is parked unprocessed. A message
        is counted only while it is being processed, so killing a worker at random (kill -9,
        a redeploy) slows recovery a little and parks nothing."""
        close_old_connections()
        fresh = [m for m in messages if not m.dup]
        again = [m for m in messages if m.dup]
        if fresh:
            self._ingest(fresh, delivered=0)
            self._ack(fresh)
        if again:
            keys = {m.mid: message_key(_topic_of(m), bytes(m.payload)) for m in again}
            known = message_attempts_known([keys[m.mid] for m in again])
            together = [m for m in again if known.get(keys[m.mid], 0) < ISOLATE_AFTER]
            if together:
                counted = [keys[m.mid] for m in together]
                counts = message_attempts_count(via="mqtt", keys=counted)
                with transaction.atomic():  # the count goes with the commit, never after it
                    self._ingest(together, delivered=min(counts.values()))
                    message_attempts_clear(counted)
                self._ack(together)
            for message in again:
                if known.get(keys[message.mid], 0) < ISOLATE_AFTER:
                    continue
                topic, key = _topic_of(message), keys[message.mid]
                count = message_attempts_count(via="mqtt", keys=[key])[key]
                if count >= self.max_attempts:
                    self._park(topic, key, message, count, "redelivered after failing")
                else:
                    with transaction.atomic():
                        self._ingest([message], delivered=count)
                        message_attempts_clear([key])
                self._ack([message])
        self.stats.messages += len(messages)
        self.stats.batches += 1

    def _ack(self, messages: list[mqtt.MQTTMessage]) -> None:
        for message in messages:
            self.client.ack(message.mid, message.qos)

    def _ingest(self, messages: list[mqtt.MQTTMessage], *, delivered: int) -> None:
        """Decodes each message (an unreadable one is a dead letter) and runs the pipeline on
        the rest in one transaction; if that fails, message by message (`_alone`)."""
        submissions: list[Submission] = []
        decoded: list[tuple[str, mqtt.MQTTMessage]] = []
        for message in messages:
            topic = _topic_of(message)
            try:
                submissions.append(message_decode(topic, bytes(message.payload)))
                decoded.append((topic, message))
            except PayloadProblem as problem:
                self._refuse(topic, message, problem.reason, problem.detail)
            except Exception as exc:  # bounded decoding should not raise anything else
                log.exception("MQTT message on %s could not be decoded", topic)
                self._refuse(topic, message, "malformed", repr(exc)[:200])
        if not submissions:
            return
        try:
            result = pipeline_run(submissions=submissions, via="mqtt")
            self.stats.records += result.accepted
            self.stats.duplicates += result.duplicates
            self.stats.rejected += len(result.rejected)
        except Exception as exc:
            if _infrastructure(exc):
                raise
            log.exception("MQTT batch of %d failed; retrying one by one", len(submissions))
            for submission, (topic, message) in zip(submissions, decoded, strict=True):
                key = message_key(topic, bytes(message.payload))
                self._alone(submission, topic, key, message, delivered)

    def _alone(
        self,
        submission: Submission,
        topic: str,
        key: str,
        message: mqtt.MQTTMessage,
        delivered: int | None,
    ) -> None:
        """One message on its own, tried until it has had ATD_MQTT_MAX_ATTEMPTS attempts in
        all (the failed batch was one, and so was each earlier delivery), then parked."""
        attempts = max(delivered or 0, 1)
        while True:
            try:
                result = pipeline_run(submissions=[submission], via="mqtt")
                self.stats.records += result.accepted
                return
            except Exception as exc:
                if _infrastructure(exc):
                    raise
                attempts += 1
                if attempts >= self.max_attempts:
                    log.exception("MQTT message on %s failed %d times; parked", topic, attempts)
                    self._park(topic, key, message, attempts, repr(exc)[:200])
                    return

    def _refuse(self, topic: str, message: mqtt.MQTTMessage, reason: str, detail: str) -> None:
        dead_letter_payload(
            via="mqtt",
            reason=reason,
            payload=bytes(message.payload),  # unreadable: kept raw (text or base64)
            serial=serial_of_topic(topic) or "",
            detail=detail,
        )
        self.stats.dead_lettered += 1

    def _park(
        self, topic: str, key: str, message: mqtt.MQTTMessage, attempts: int, error: str
    ) -> None:
        message_park(
            via="mqtt",
            key=key,
            payload=_readable_or_raw(bytes(message.payload)),
            serial=serial_of_topic(topic) or "",
            attempts=attempts,
            error=error,
        )
        self.stats.parked += 1


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
