"""The durable device log on NATS JetStream: doors append device messages, ingest workers
drain them into the database through the pipeline (ADR 0016).

Guarantees, and what gives each:
- A door answers a device only after `append` returned: JetStream has written the message to
  a quorum of the stream's replicas (file storage), so a crash of a door, a worker or one NATS
  node after that loses nothing.
- A device's retry is stored once in the log: every message carries `Nats-Msg-Id` (the device
  and a hash of what it sent), and JetStream drops a repeat within the duplicate window. A
  retry after the window still changes nothing in the database (unique keys, house rule 7).
- Workers acknowledge after commit, never before: a worker killed anywhere between fetch and
  ack leaves the messages unacknowledged; JetStream redelivers them after `ack_wait` and the
  pipeline's unique keys make the second pass store nothing new.
- Order per device: a device's messages always go to the same subject partition
  (`<subject>.p<crc32(serial) % partitions>`), each partition has one durable consumer, and a
  partition is drained by exactly one worker (`partitions_owned`), one batch at a time; each
  message is acknowledged on its own after the commit (explicit acks).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import close_old_connections, connection

from atd.telemetry.batch import Submission

log = logging.getLogger(__name__)

# Headers of a log message. The body is the JSON array of records (a door that authenticated
# the device) or the raw MQTT payload (the bridge; the worker authenticates it).
H_VIA = "Atd-Via"
H_SERIAL = "Atd-Serial"
H_TRUSTED = "Atd-Trusted"
H_TOPIC = "Atd-Topic"
H_MSG_ID = "Nats-Msg-Id"
# "1": the body is several device messages (pack_encode). In an MQTT pack (Atd-Via: mqtt) each
# member is a topic and a raw MQTT payload; in a door's pack (Atd-Via: osmand or http, Atd-Trusted:
# 1) each member is a device serial and the JSON array of that device's authenticated records.
H_PACK = "Atd-Pack"
# A pack holds at most this many bytes of MQTT payloads (NATS' default max_payload is 1 MB); a
# payload larger than that travels alone, as before.
PACK_MAX_BYTES = 256 * 1024
PACK_MAX_MESSAGES = 1000


@dataclass(frozen=True)
class LogConfig:
    url: str
    stream: str
    subject: str
    partitions: int
    replicas: int
    dedup_window_s: int
    ack_wait_s: int
    max_bytes: int
    # An append not acknowledged within this many seconds is answered LogFull (the sender
    # retries); one cut off by a lost connection is answered at once (DeviceLog).
    append_timeout_s: float = 2.0

    @property
    def servers(self) -> list[str]:
        return [u.strip() for u in self.url.split(",") if u.strip()]

    def subject_of(self, partition: int) -> str:
        return f"{self.subject}.p{partition}"

    def durable_of(self, partition: int) -> str:
        return f"ingest-p{partition}"


def log_config(**overrides: Any) -> LogConfig | None:
    """The log's settings, or None when ATD_NATS_URL is unset (embedded default)."""
    values: dict[str, Any] = {
        "url": settings.ATD_NATS_URL,
        "stream": settings.ATD_NATS_STREAM,
        "subject": settings.ATD_NATS_SUBJECT,
        "partitions": settings.ATD_NATS_PARTITIONS,
        "replicas": settings.ATD_NATS_REPLICAS,
        "dedup_window_s": settings.ATD_NATS_DEDUP_WINDOW_S,
        "ack_wait_s": settings.ATD_NATS_ACK_WAIT_S,
        "max_bytes": settings.ATD_NATS_MAX_BYTES,
        "append_timeout_s": settings.ATD_NATS_APPEND_TIMEOUT_S,
    }
    values.update(overrides)
    if not values["url"]:
        return None
    return LogConfig(**values)


def partition_of(serial: str, partitions: int) -> int:
    """Stable across processes and versions (crc32, not Python's salted hash())."""
    return zlib.crc32(serial.encode()) % partitions


def message_id(serial: str, body: bytes) -> str:
    """A retry sends the same bytes, so it gets the same id; two different fixes do not."""
    return f"{serial[:64]}:{hashlib.blake2b(body, digest_size=16).hexdigest()}"


def records_body(records: Sequence[Any]) -> bytes:
    # Sorted keys: a retry whose parameters arrive in another order is still the same message.
    return orjson.dumps(list(records), option=orjson.OPT_SORT_KEYS)


@dataclass
class LogMessage:
    subject: str
    body: bytes
    headers: dict[str, str]


def message_for_records(
    cfg: LogConfig, *, serial: str, via: str, records: Sequence[Any]
) -> LogMessage:
    """Records a door has authenticated (their secrets removed) for one device."""
    body = records_body(records)
    return LogMessage(
        cfg.subject_of(partition_of(serial, cfg.partitions)),
        body,
        {H_VIA: via, H_SERIAL: serial, H_TRUSTED: "1", H_MSG_ID: message_id(serial, body)},
    )


def message_for_mqtt(cfg: LogConfig, *, topic: str, payload: bytes) -> LogMessage:
    """A raw MQTT payload (the bridge does not decode; the worker does, and authenticates)."""
    from atd.telemetry.mqtt import serial_of_topic

    serial = serial_of_topic(topic) or topic
    return LogMessage(
        cfg.subject_of(partition_of(serial, cfg.partitions)),
        payload,
        {H_VIA: "mqtt", H_SERIAL: serial, H_TOPIC: topic, H_MSG_ID: message_id(serial, payload)},
    )


def _u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def pack_encode(items: Sequence[tuple[str, bytes]]) -> bytes:
    """Several raw MQTT messages as one log body: per message, the topic's and the payload's
    lengths (4 bytes each, big-endian) then their bytes. Length-prefixed, so any bytes a device
    sent (NULs, invalid UTF-8) survive unchanged."""
    out = bytearray()
    for topic, payload in items:
        t = topic.encode("utf-8", "surrogatepass")
        out += _u32(len(t)) + t + _u32(len(payload)) + payload
    return bytes(out)


def pack_decode(body: bytes) -> list[tuple[str, bytes]]:
    """The inverse of pack_encode. Raises ValueError for a body that is not a whole pack."""
    items: list[tuple[str, bytes]] = []
    i, end = 0, len(body)
    while i < end:
        if i + 4 > end:
            raise ValueError("truncated pack")
        n = int.from_bytes(body[i : i + 4], "big")
        i += 4
        if i + n + 4 > end:
            raise ValueError("truncated pack")
        topic = body[i : i + n].decode("utf-8", "replace")
        i += n
        m = int.from_bytes(body[i : i + 4], "big")
        i += 4
        if i + m > end:
            raise ValueError("truncated pack")
        items.append((topic, body[i : i + m]))
        i += m
    return items


def messages_for_mqtt_packed(
    cfg: LogConfig,
    messages: Sequence[tuple[str, bytes]],
    partitions: Sequence[int] | None = None,
) -> list[LogMessage]:
    """Group commit for the MQTT bridge: the messages of one partition, in arrival order, packed
    into as few log messages as PACK_MAX_BYTES / PACK_MAX_MESSAGES allow. One append and one
    worker acknowledgement then carry many fixes; a device's messages stay in its partition and
    in order. The pack's id is a hash of its bytes: the bridge's retry of the same batch after a
    refused append is dropped by JetStream; a message the broker redelivers after a bridge crash
    lands in another pack, and the database's unique keys store its fix once. `partitions`,
    when given, is each message's partition (the bridge remembers them per topic)."""
    from atd.telemetry.mqtt import serial_of_topic

    by_partition: dict[int, list[tuple[str, bytes]]] = {}
    out: list[LogMessage] = []
    for i, (topic, payload) in enumerate(messages):
        if len(payload) > PACK_MAX_BYTES:
            out.append(message_for_mqtt(cfg, topic=topic, payload=payload))
            continue
        if partitions is not None:
            partition = partitions[i]
        else:
            partition = partition_of(serial_of_topic(topic) or topic, cfg.partitions)
        items = by_partition.get(partition)
        if items is None:
            items = by_partition[partition] = []
        items.append((topic, payload))
    for partition, items in by_partition.items():
        for chunk in pack_chunks(items):
            out.append(pack_message(cfg, partition, chunk, via="mqtt"))
    return out


def pack_chunks(items: Sequence[tuple[str, bytes]]) -> list[Sequence[tuple[str, bytes]]]:
    """Consecutive runs of `items` (order kept) that fit PACK_MAX_MESSAGES / PACK_MAX_BYTES."""
    out: list[Sequence[tuple[str, bytes]]] = []
    start = 0
    while start < len(items):
        size, stop = 0, start
        while stop < len(items) and stop - start < PACK_MAX_MESSAGES:
            size += len(items[stop][1]) + len(items[stop][0]) + 8
            if size > PACK_MAX_BYTES and stop > start:
                break
            stop += 1
        out.append(items[start:stop])
        start = stop
    return out


def pack_message(
    cfg: LogConfig,
    partition: int,
    items: Sequence[tuple[str, bytes]],
    *,
    via: str,
    trusted: bool = False,
) -> LogMessage:
    """One log message holding `items` (all of one partition). Its `Nats-Msg-Id` is a hash of
    its bytes, so the log drops a retried append of the very same pack; a member's own
    de-duplication is its sender's (the bridge's or the door's window) and, in the end, the
    database's unique keys."""
    body = pack_encode(items)
    headers = {
        H_VIA: via,
        H_PACK: "1",
        H_MSG_ID: f"pack:{hashlib.blake2b(body, digest_size=16).hexdigest()}",
    }
    if trusted:
        headers[H_TRUSTED] = "1"
    return LogMessage(cfg.subject_of(partition), body, headers)


def submission_of(headers: dict[str, str] | None, body: bytes) -> Submission:
    """One log message -> what the pipeline takes. Raises ValueError for an undecodable one."""
    from atd.telemetry.mqtt import message_decode
    from atd.telemetry.wire import json_loads

    headers = headers or {}
    if headers.get(H_VIA) == "mqtt":
        return message_decode(headers.get(H_TOPIC, ""), body)
    records = json_loads(body)
    if not isinstance(records, list):
        raise ValueError("a log message holds a JSON array of records")
    return Submission(
        records, headers.get(H_SERIAL) or None, None, trusted=headers.get(H_TRUSTED) == "1"
    )


# --- NATS side (asyncio) --------------------------------------------------------------------


async def nats_connect(cfg: LogConfig, **kwargs: Any) -> Any:
    import nats

    return await nats.connect(
        servers=cfg.servers,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.25,
        connect_timeout=2,
        name=kwargs.pop("name", "atd"),
        **kwargs,
    )


def consumer_config(cfg: LogConfig, partition: int) -> Any:
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    return ConsumerConfig(
        durable_name=cfg.durable_of(partition),
        filter_subject=cfg.subject_of(partition),
        deliver_policy=DeliverPolicy.ALL,
        # Explicit, one ack per message: a cumulative ack (AckAll) of a batch's last message
        # also acknowledges any earlier one this worker never received (a fetch that timed
        # out while a node failed over), which the fleet benchmark showed losing fixes.
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=float(cfg.ack_wait_s),
        max_deliver=-1,
        max_ack_pending=20_000,
        max_waiting=64,
        num_replicas=cfg.replicas,
    )


async def stream_ensure(js: Any, cfg: LogConfig) -> None:
    """Creates the stream and every partition's durable consumer (or updates their limits).

    Interest retention: a message leaves the stream once its partition's consumer has
    acknowledged it, so the stream's size is the backlog still to ingest. The consumers are
    created here, by doors too, because an interest stream keeps nothing published while no
    consumer exists."""
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import BadRequestError, NotFoundError

    config = StreamConfig(
        name=cfg.stream,
        subjects=[f"{cfg.subject}.>"],
        retention=RetentionPolicy.INTEREST,
        storage=StorageType.FILE,
        num_replicas=cfg.replicas,
        duplicate_window=float(cfg.dedup_window_s),
        max_bytes=cfg.max_bytes,
        # Full: refuse new appends (the door answers 503, the device retries) rather than
        # discard acknowledged fixes that no worker has stored yet.
        discard=DiscardPolicy.NEW,
    )
    try:
        await js.stream_info(cfg.stream)
    except NotFoundError:
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)  # created meanwhile by another process
    for p in range(cfg.partitions):
        try:
            await js.consumer_info(cfg.stream, cfg.durable_of(p))
        except NotFoundError:
            await js.add_consumer(cfg.stream, consumer_config(cfg, p))


class LogFull(Exception):
    """The log refused an append (full, or no quorum): the device must retry later."""


class DeviceLog:
    """A door's connection to the log. `append` returns once JetStream acknowledged every
    message (stored on a quorum), or raises LogFull."""

    def __init__(self, cfg: LogConfig) -> None:
        self.cfg = cfg
        self.nc: Any = None
        self.js: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        # Resolved when the connection drops, then replaced: appends in flight on it will
        # never be answered, so they are failed at once instead of after their timeout.
        self._lost: asyncio.Future[None] | None = None
        self.cut_off = 0  # appends failed by a lost connection (tests, logs)

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            # A connection belongs to the event loop that opened it (one per server worker;
            # tests run several loops one after another).
            self.loop, self._lock, self.nc, self.js = loop, asyncio.Lock(), None, None
            self._lost = loop.create_future()
        assert self._lock is not None
        async with self._lock:
            if self.nc is None:
                self.nc = await nats_connect(
                    self.cfg, name="atd-door", disconnected_cb=self._disconnected
                )
                self.js = self.nc.jetstream(timeout=5)
                await stream_ensure(self.js, self.cfg)

    async def _disconnected(self) -> None:
        lost = self._lost
        if self.loop is not None:
            self._lost = self.loop.create_future()
        if lost is not None and not lost.done():
            lost.set_result(None)

    async def append(self, messages: Sequence[LogMessage]) -> int:
        """Appends all, concurrently; returns how many were repeats JetStream dropped."""
        outcomes = await self.append_each(messages)
        for outcome in outcomes:
            if isinstance(outcome, LogFull):
                raise outcome
        return sum(1 for o in outcomes if o is True)

    async def append_each(self, messages: Sequence[LogMessage]) -> list[bool | LogFull]:
        """Appends all, concurrently; per message, in order: True (a repeat JetStream dropped:
        stored before), False (stored now) or LogFull (not acknowledged: it may or may not
        be in the log, so its sender must answer the device with an error)."""
        from nats.errors import Error as NatsError

        try:
            if self.js is None or self.loop is not asyncio.get_running_loop():
                await self.connect()
        except (TimeoutError, OSError, NatsError) as exc:
            full = LogFull(str(exc) or type(exc).__name__)
            return [full for _ in messages]
        timeout = self.cfg.append_timeout_s
        lost = self._lost
        assert lost is not None
        gathered = asyncio.gather(
            *(
                self.js.publish(
                    m.subject, m.body, timeout=timeout, stream=self.cfg.stream, headers=m.headers
                )
                for m in messages
            ),
            return_exceptions=True,
        )
        await asyncio.wait((gathered, lost), return_when=asyncio.FIRST_COMPLETED)
        if not gathered.done():
            # The connection dropped with these in flight: their answers went with it. They
            # may or may not be stored; the sender retries (the ids make a stored one a repeat).
            gathered.cancel()
            gathered.add_done_callback(lambda g: g.cancelled() or g.exception())
            self.cut_off += 1
            cut = LogFull("connection to the device log lost")
            return [cut for _ in messages]
        results = gathered.result()
        outcomes: list[bool | LogFull] = []
        for result in results:
            if isinstance(result, (TimeoutError, NatsError)):
                outcomes.append(LogFull(str(result) or type(result).__name__))
            elif isinstance(result, BaseException):
                raise result
            else:
                outcomes.append(bool(result.duplicate))
        return outcomes

    async def close(self) -> None:
        if self.nc is not None:
            await self.nc.drain()
            self.nc = None
            self.js = None


# --- the ingest worker -----------------------------------------------------------------------


def partitions_owned(partitions: int, index: int, count: int) -> list[int]:
    """Static ownership: worker `index` of `count` drains partitions p with p % count == index.
    One owner per partition is what keeps a device's messages in order."""
    if not 0 <= index < count:
        raise ValueError("worker index must be in [0, count)")
    return [p for p in range(partitions) if p % count == index]


@dataclass
class LogWorkerStats:
    messages: int = 0
    batches: int = 0
    records: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    partitions: list[int] = field(default_factory=list)


class LogIngestWorker:
    """Pulls up to `batch_size` messages (or what came within `max_wait_s`) from its
    partitions' durable consumers, runs them through the pipeline in one transaction, and only
    then acknowledges them."""

    def __init__(
        self,
        cfg: LogConfig,
        *,
        index: int = 0,
        count: int = 1,
        batch_size: int = 10_000,
        max_wait_s: float = 0.1,
        linger_s: float = 0.0,
        on_ready: Callable[[], None] | None = None,
        on_committed: Callable[[int], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.partitions = partitions_owned(cfg.partitions, index, count)
        self.batch_size = batch_size
        self.max_wait_s = max_wait_s
        # Once a fetch brought something, wait this long for more before processing: fewer,
        # larger transactions (a batch's fixed cost is ~10 queries and a commit) for this much
        # more delay before a fix is stored. A device's answer does not wait for it.
        self.linger_s = linger_s
        self.on_ready = on_ready
        self.on_committed = on_committed  # tests: a hook between commit and ack
        self.stopping = False
        self.stats = LogWorkerStats(partitions=self.partitions)
        # The pipeline is synchronous Django code: it runs on one thread that keeps the
        # database connection, while the event loop keeps fetching.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atd-ingest-db")

    async def _subscribe(self, js: Any) -> dict[int, Any]:
        subs: dict[int, Any] = {}
        for p in self.partitions:
            subs[p] = await js.pull_subscribe_bind(self.cfg.durable_of(p), self.cfg.stream)
        return subs

    async def _fetch(self, sub: Any, n: int, timeout: float | None = None) -> list[Any]:
        from nats.errors import TimeoutError as NatsTimeout

        try:
            msgs: list[Any] = await sub.fetch(batch=n, timeout=timeout or self.max_wait_s)
            return msgs
        except (TimeoutError, NatsTimeout):
            return []

    async def run(self, *, idle_exit_s: float | None = None, max_s: float | None = None) -> None:
        nc = await nats_connect(self.cfg, name="atd-ingest")
        try:
            js = nc.jetstream(timeout=5)
            await stream_ensure(js, self.cfg)
            subs = await self._subscribe(js)
            if self.on_ready is not None:
                self.on_ready()
            per_partition = max(1, self.batch_size // max(1, len(subs)))
            started = last_activity = time.monotonic()
            loop = asyncio.get_running_loop()
            while not self.stopping:
                fetched = await asyncio.gather(
                    *(self._fetch(sub, per_partition) for sub in subs.values())
                )
                batch = [m for msgs in fetched for m in msgs]
                if batch and self.linger_s > 0 and len(batch) < self.batch_size:
                    await asyncio.sleep(self.linger_s)
                    topped = await asyncio.gather(
                        *(
                            self._fetch(sub, max(1, per_partition - len(got)), timeout=0.005)
                            for sub, got in zip(subs.values(), fetched, strict=True)
                        )
                    )
                    batch += [m for msgs in topped for m in msgs]
                now = time.monotonic()
                if max_s is not None and now - started > max_s:
                    break
                if not batch:
                    if idle_exit_s is not None and now - last_activity > idle_exit_s:
                        break
                    continue
                last_activity = now
                if not await self._process_until_committed(loop, batch):
                    break  # stopping: nothing acknowledged, JetStream redelivers
                # Committed: now, and only now, acknowledge every message of the batch.
                for msg in batch:
                    await msg.ack()
        finally:
            await nc.close()
            self._db.shutdown(wait=True)

    async def _process_until_committed(
        self, loop: asyncio.AbstractEventLoop, batch: list[Any]
    ) -> bool:
        """Retries the same batch while the database is unreachable (JetStream may redeliver
        it meanwhile: the unique keys make the second pass store nothing new)."""
        from django.db import InterfaceError, OperationalError, connections

        delay = 0.2
        while not self.stopping:
            try:
                await loop.run_in_executor(self._db, self.process, batch)
                return True
            except (OperationalError, InterfaceError) as exc:
                log.warning("database unavailable (%s); batch kept, retrying", exc)
                await loop.run_in_executor(self._db, connections.close_all)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        return False

    def process(self, messages: Sequence[Any]) -> None:
        """Decode, pipeline, commit (runs on the database thread)."""
        from django.db import InterfaceError, OperationalError

        from atd.telemetry.pipeline import pipeline_run

        # The database thread keeps its one connection from batch to batch. CONN_MAX_AGE is 0
        # (settings: for the ASGI server's threads), which makes close_old_connections close
        # it at every batch: under small batches (OsmAnd, ~2 fixes a log message) a new
        # PostgreSQL connection, its backend started and its session set up, per batch. A
        # connection an error left unusable is still replaced here (errors_occurred ->
        # is_usable), and a database restart still ends in connections.close_all
        # (_process_until_committed).
        connection.close_at = None
        close_old_connections()
        by_via: dict[str, list[Submission]] = {}
        for msg in messages:
            headers = msg.headers or {}
            via = headers.get(H_VIA, "http")
            if headers.get(H_PACK) == "1":
                self._unpack(msg.data, headers, by_via)
                continue
            try:
                by_via.setdefault(via, []).append(submission_of(headers, msg.data))
            except (ValueError, UnicodeDecodeError):
                self._malformed(via, msg.data, headers.get(H_SERIAL, ""))
        # One transaction per door kind (dead letters and audit entries name the door).
        for via, submissions in by_via.items():
            try:
                result = pipeline_run(submissions=submissions, via=via)
                self.stats.records += result.accepted
                self.stats.duplicates += result.duplicates
            except (OperationalError, InterfaceError):
                raise  # the database, not the messages: the caller retries the batch
            except Exception:
                log.exception("log batch of %d failed; retrying one by one", len(submissions))
                self._one_by_one(submissions, via)
        self.stats.messages += len(messages)
        self.stats.batches += 1
        if self.on_committed is not None:
            self.on_committed(len(messages))

    def _malformed(self, via: str, payload: bytes, serial: str) -> None:
        from atd.telemetry.services import dead_letter_payload

        self.stats.dead_letters += 1
        dead_letter_payload(
            via=via[:8], reason="malformed", payload=payload[:20_000], serial=serial
        )

    def _unpack(
        self, body: bytes, headers: dict[str, str], by_via: dict[str, list[Submission]]
    ) -> None:
        """A pack: each member is judged alone, so one unreadable member is a dead letter of
        its own and the others go on. An MQTT pack's member (topic, payload) is read as the MQTT
        worker reads a message; a door's (serial, records) as a door's single log message."""
        from atd.telemetry.mqtt import message_decode, serial_of_topic

        via = headers.get(H_VIA, "http")
        try:
            items = pack_decode(body)
        except ValueError:
            self._malformed(via, body, "")
            return
        for name, payload in items:
            try:
                if via == "mqtt":
                    submission = message_decode(name, payload)
                else:
                    member = {H_VIA: via, H_SERIAL: name, H_TRUSTED: headers.get(H_TRUSTED, "")}
                    submission = submission_of(member, payload)
                by_via.setdefault(via, []).append(submission)
            except (ValueError, UnicodeDecodeError):
                serial = (serial_of_topic(name) or "") if via == "mqtt" else name
                self._malformed(via, payload, serial)

    def _one_by_one(self, submissions: Sequence[Submission], via: str) -> None:
        from django.db import InterfaceError, OperationalError

        from atd.telemetry.pipeline import pipeline_run
        from atd.telemetry.services import dead_letter_payload

        for submission in submissions:
            try:
                result = pipeline_run(submissions=[submission], via=via)
                self.stats.records += result.accepted
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                log.exception("log message of %s failed; kept as a dead letter", submission.serial)
                self.stats.dead_letters += 1
                dead_letter_payload(
                    via=via,
                    reason="pipeline_error",
                    payload=submission.records,
                    serial=submission.serial or "",
                )


def log_backlog(cfg: LogConfig) -> int:
    """Messages in the stream not yet acknowledged by a worker (work-queue retention)."""

    async def go() -> int:
        nc = await nats_connect(cfg, name="atd-backlog")
        try:
            info = await nc.jetstream().stream_info(cfg.stream)
            return int(info.state.messages)
        finally:
            await nc.close()

    return asyncio.run(go())
