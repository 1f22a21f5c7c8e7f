"""The lean device door: OsmAnd and device-keyed JSON batches straight to the device log.

When ATD_NATS_URL is set, `TelemetryDoor` (an ASGI wrapper around Django's application)
answers `/api/telemetry/osmand` (GET, POST) and `POST /api/telemetry` itself, without Django's
request/middleware stack: it authenticates the device from a cache that expires
(ATD_DOOR_AUTH_CACHE_S), decodes and validates each record with the pipeline's own functions
(`record_decode`, `record_time_problem`, `fix_value_problem`), appends the good ones to the log,
and answers only after JetStream acknowledged the append. Group commit (`groupcommit.py`):
the records of concurrent requests arriving within ATD_DOOR_PACK_WINDOW_MS are packed per
partition into one append, and each request is answered once its pack is acknowledged (a failed
append answers every member 503). Everything else, and batches sent
with an integration key (gateways: few callers, large batches), goes to Django as before.
Without ATD_NATS_URL everything goes to Django, which runs the pipeline in-process.

Answers keep today's shapes: "OK" for OsmAnd, the ingest result for a batch (`accepted` then
counts records appended to the log; `queued` says so), problem+json for every refusal.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from asgiref.sync import sync_to_async
from django.conf import settings

from atd.core import clock
from atd.core.errors import DomainError, Unauthorized
from atd.devices.selectors import DeviceIdentity, device_secret_matches, devices_for_ingest
from atd.telemetry.config import TelemetryConfig
from atd.telemetry.devicelog import DeviceLog, LogConfig, LogFull, log_config
from atd.telemetry.groupcommit import GroupCommit, Member
from atd.telemetry.rules.records import (
    CREDENTIAL_REASONS,
    CREDENTIAL_REFUSED,
    Fix,
    RecordProblem,
    fix_value_problem,
    osmand_to_record,
    reason_answered,
    record_decode,
    record_time_problem,
)
from atd.telemetry.rules.storable import text_storable
from atd.telemetry.wire import PayloadProblem, batch_decode, osmand_json_record, wire_limits

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]

OSMAND_PATH = "/api/telemetry/osmand"
BATCH_PATH = "/api/telemetry"
PROBLEM_JSON = b"application/problem+json"


class Refused(Exception):
    """A problem+json answer."""

    def __init__(self, status: int, type_: str, title: str, detail: str = "") -> None:
        super().__init__(detail or title)
        self.status, self.type, self.title, self.detail = status, type_, title, detail


def record_rejected(problem: RecordProblem) -> Refused:
    detail = f"{problem.reason}: {problem.detail}".strip(": ")
    return Refused(400, "/problems/record-rejected", "Record rejected", detail)


class DeviceCache:
    """serial -> the device's identity (or None: unknown), kept `ttl_s` seconds. A revoked
    key or a new assignment is seen within that time; an unknown serial is cached too, so a
    flood of made-up serials costs one query per serial per period, not one per request.

    Misses are coalesced: every serial missed by requests in flight while a query runs joins
    the next query (at most LOAD_MAX serials each), so a cold cache (a door starting, a fleet
    coming back after an outage, the TTL expiring for many devices at once) costs one query
    per batch of devices instead of one thread hop and one query per device. Queries still run
    one at a time (sync_to_async's one database thread), as before."""

    LOAD_MAX = 1000

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self.entries: dict[str, tuple[float, DeviceIdentity | None]] = {}
        self.queries = 0  # database queries made (tests, profiling)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reset()

    def _reset(self) -> None:
        # Futures and the loading task belong to one event loop (one per server worker; tests
        # run several loops one after another).
        self._waiting: dict[str, asyncio.Future[DeviceIdentity | None]] = {}
        self._queued: list[str] = []
        self._loader: asyncio.Task[None] | None = None

    async def lookup(self, serials: set[str]) -> dict[str, DeviceIdentity | None]:
        now = time.monotonic()
        out: dict[str, DeviceIdentity | None] = {}
        waits: dict[str, asyncio.Future[DeviceIdentity | None]] = {}
        for serial in serials:
            if not text_storable(serial):  # NUL or a lone surrogate: no device has it
                out[serial] = None
                continue
            entry = self.entries.get(serial)
            if entry is not None and entry[0] > now:
                out[serial] = entry[1]
            else:
                waits[serial] = self._wait_for(serial)
        if waits:
            # asyncio.wait does not cancel the shared futures if this request is cancelled.
            await asyncio.wait(waits.values())
            for serial, future in waits.items():
                out[serial] = future.result()  # the query's error, if it failed
        return out

    def _wait_for(self, serial: str) -> asyncio.Future[DeviceIdentity | None]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._reset()
        future = self._waiting.get(serial)
        if future is None:
            future = loop.create_future()
            self._waiting[serial] = future
            self._queued.append(serial)
            if self._loader is None:
                self._loader = loop.create_task(self._load())
        return future

    async def _load(self) -> None:
        try:
            while self._queued:
                batch = self._queued[: self.LOAD_MAX]
                del self._queued[: self.LOAD_MAX]
                try:
                    self.queries += 1
                    found = await sync_to_async(devices_for_ingest)(batch)
                except asyncio.CancelledError:
                    self._queued[:0] = batch  # answered below, in `finally`
                    raise
                except Exception as exc:  # every waiter gets the error, as a lone query did
                    for serial in batch:
                        future = self._waiting.pop(serial)
                        if not future.done():
                            future.set_exception(exc)
                            future.exception()  # retrieved: a waiter gone away leaves no warning
                    continue
                expires = time.monotonic() + self.ttl_s
                if len(self.entries) > 1_000_000:
                    self.entries.clear()  # bounded memory under a flood of made-up serials
                for serial in batch:
                    device = found.get(serial)
                    self.entries[serial] = (expires, device)
                    future = self._waiting.pop(serial)
                    if not future.done():
                        future.set_result(device)
        finally:
            self._loader = None
            for serial in self._queued:  # cancelled (the server stopping): no waiter left hanging
                self._waiting.pop(serial).cancel()
            self._queued.clear()


def device_problem(
    serial: str, device: DeviceIdentity | None, secret: str | None
) -> RecordProblem | None:
    """The pipeline's `authenticate` step, for one record at the door."""
    if device is None:
        return RecordProblem("unknown_device", serial[:64])
    if not device_secret_matches(device, secret):
        return RecordProblem("bad_credential")
    if device.participant_id is None:
        return RecordProblem("unassigned_device")
    return None


@dataclass(frozen=True)
class TimeLimits:
    """The two limits `record_time_problem` needs, read from the settings per request (as
    telemetry_config, whose full build cost about a sixth of an OsmAnd request's own time)."""

    future_tolerance: timedelta
    max_age: timedelta


def time_limits() -> TimeLimits:
    return TimeLimits(
        future_tolerance=timedelta(seconds=settings.ATD_TELEMETRY_FUTURE_TOLERANCE_S),
        max_age=timedelta(days=settings.ATD_TELEMETRY_MAX_AGE_DAYS),
    )


def record_problem_at_door(item: Any, cfg: TelemetryConfig | TimeLimits) -> RecordProblem | None:
    """The pipeline's `validate` step, for one decoded record."""
    now = clock.now()
    problem = record_time_problem(
        item.time, now=now, future_tolerance=cfg.future_tolerance, max_age=cfg.max_age
    )
    if problem is None and isinstance(item, Fix):
        problem = fix_value_problem(item)
    return problem


@dataclass
class Request:
    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes


def credentials_of(headers: dict[str, str]) -> tuple[str | None, str | None]:
    serial = headers.get("x-device-serial")
    secret = headers.get("x-device-key")
    auth = headers.get("authorization", "")
    if auth.startswith("Basic ") and not secret:
        try:
            serial, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized(detail="malformed Basic credentials") from None
    return serial or None, secret or None


def without_key(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in {"key", "password"}}


class TelemetryDoor:
    def __init__(self, app: ASGIApp, cfg: LogConfig | None = None) -> None:
        self.app = app
        self.cfg = cfg if cfg is not None else log_config()
        self.devices = DeviceCache(settings.ATD_DOOR_AUTH_CACHE_S)
        self.log = DeviceLog(self.cfg) if self.cfg is not None else None
        # Group commit: concurrent requests share one append per partition (groupcommit.py).
        self.packer = (
            GroupCommit(
                self.log,
                self.cfg,
                window_s=settings.ATD_DOOR_PACK_WINDOW_MS / 1000,
                max_members=settings.ATD_DOOR_PACK_MAX,
                max_inflight=settings.ATD_DOOR_PACK_INFLIGHT,
            )
            if self.log is not None and self.cfg is not None
            else None
        )

    def ours(self, scope: Scope) -> bool:
        if self.log is None or scope["type"] != "http":
            return False
        path = scope["path"].rstrip("/")
        if path == OSMAND_PATH:
            # A multipart form (no tracker sends one) is left to Django's parser.
            multipart = any(
                name.lower() == b"content-type" and b"multipart" in value.lower()
                for name, value in scope["headers"]
            )
            return scope["method"] in {"GET", "POST"} and not multipart
        if path == BATCH_PATH and scope["method"] == "POST":
            # Integration keys (gateways) keep the Django path: api_key_authenticate, scopes.
            return not any(name.lower() == b"x-api-key" for name, _ in scope["headers"])
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.ours(scope):
            await self.app(scope, receive, send)
            return
        try:
            request = await self.read(scope, receive)
            if request.path.rstrip("/") == OSMAND_PATH:
                status, ctype, body = await self.osmand(request)
            else:
                status, ctype, body = await self.batch(request)
        except Refused as refused:
            problem: dict[str, Any] = {
                "type": refused.type,
                "title": refused.title,
                "status": refused.status,
            }
            if refused.detail:
                problem["detail"] = refused.detail
            problem["instance"] = scope["path"]
            status, ctype, body = refused.status, PROBLEM_JSON, json.dumps(problem).encode()
        except DomainError as error:  # the Django views' own errors, answered the same way
            problem = error.problem(instance=scope["path"])
            status, ctype = error.status, PROBLEM_JSON
            body = json.dumps(problem, default=str).encode()
        headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
        if status == 503:
            headers.append((b"retry-after", b"1"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def read(self, scope: Scope, receive: Receive) -> Request:
        from atd.telemetry.api import OSMAND_MAX_BODY_BYTES, BodyTooLarge

        osmand = scope["path"].rstrip("/") == OSMAND_PATH
        limit = OSMAND_MAX_BODY_BYTES if osmand else wire_limits().max_bytes
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Refused(400, "/problems/validation", "Validation failed", "disconnected")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                detail = f"{size} bytes or more; at most {limit} per request"
                await self.dead_letter(
                    "too_large", None, via="osmand" if osmand else "http", detail=detail
                )
                raise BodyTooLarge(detail=detail)
            chunks.append(chunk)
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        return Request(
            scope["method"], scope["path"], scope["query_string"], headers, b"".join(chunks)
        )

    async def dead_letter(
        self, reason: str, payload: Any, serial: str = "", via: str = "http", detail: str = ""
    ) -> None:
        from atd.telemetry.services import dead_letter_payload

        await sync_to_async(dead_letter_payload)(
            via=via, reason=reason, payload=payload, serial=serial, detail=detail
        )

    async def refuse_payload(self, problem: PayloadProblem, body: bytes, via: str) -> Exception:
        from atd.telemetry.api import _refuse_payload

        refused: Exception = await sync_to_async(_refuse_payload)(problem, body, via)
        return refused

    async def commit(self, via: str, members: list[Member]) -> None:
        """Returns once every member is acknowledged by the log (in a pack shared with other
        requests); a failed append answers 503, so the device retries."""
        assert self.packer is not None
        try:
            await self.packer.commit(via, members)
        except LogFull as exc:
            raise Refused(
                503,
                "/problems/log-unavailable",
                "Try again later",
                f"the device log refused: {exc}",
            ) from None

    # --- OsmAnd ---------------------------------------------------------------------------

    async def osmand(self, request: Request) -> tuple[int, bytes, bytes]:
        """Same answers as the Django view (telemetry.api.telemetry_osmand)."""
        params: dict[str, Any] = dict(query_pairs(request.query.decode("latin-1")))
        content_type = request.headers.get("content-type", "")
        try:
            record = osmand_record(request, content_type, params)
        except PayloadProblem as unreadable:
            raise await self.refuse_payload(unreadable, request.body, "osmand") from None
        serial, secret = credentials_of(request.headers)
        if secret and "key" not in record:
            record["key"] = secret
        if serial and "device" not in record:
            record["device"] = serial
        try:
            item = record_decode(0, record, serial=None, secret=None)
        except RecordProblem as refused:
            await self.dead_letter(
                refused.reason, without_key(record), str(record.get("device") or ""), "osmand"
            )
            raise record_rejected(refused) from None
        device = (await self.devices.lookup({item.serial}))[item.serial]
        problem = device_problem(item.serial, device, item.secret)
        if problem is None:
            problem = record_problem_at_door(item, time_limits())
        if problem is not None:
            await self.dead_letter(problem.reason, without_key(record), item.serial, "osmand")
            if problem.reason in CREDENTIAL_REASONS:
                # As the view: one answer for both, so serials cannot be enumerated.
                raise Unauthorized(detail=CREDENTIAL_REFUSED)
            raise record_rejected(problem)
        await self.commit("osmand", [Member.of(item.serial, [without_key(record)])])
        return 200, b"text/plain", b"OK"

    # --- JSON batch -----------------------------------------------------------------------

    async def batch(self, request: Request) -> tuple[int, bytes, bytes]:
        """Same answers as the Django view (telemetry.api.telemetry_batch) for device-keyed
        batches: 413 over the limit, 401 for a wrong request-level key, per-record rejections
        with their reasons (kept as dead letters)."""
        serial, secret = credentials_of(request.headers)
        records = await self.decode_body(request)
        if serial is not None:
            device = (await self.devices.lookup({serial}))[serial]
            if device is None or not device_secret_matches(device, secret):
                await self.dead_letter(
                    "bad_credential",
                    [without_key(r) if isinstance(r, dict) else r for r in records],
                    serial,
                )
                raise Unauthorized(detail=CREDENTIAL_REFUSED)
        cfg = time_limits()
        items: list[tuple[int, Any]] = []
        rejected: list[tuple[int, RecordProblem, str]] = []
        for index, record in enumerate(records):
            try:
                items.append((index, record_decode(index, record, serial=serial, secret=secret)))
            except RecordProblem as refused:
                own = record.get("device") if isinstance(record, dict) else None
                rejected.append((index, refused, str(own or serial or "")))
        devices = await self.devices.lookup({item.serial for _, item in items})
        by_serial: dict[str, list[dict[str, Any]]] = {}
        # Answered in the pipeline's order: decoding, then authentication, then validation.
        refused_auth: list[tuple[int, RecordProblem, str]] = []
        refused_values: list[tuple[int, RecordProblem, str]] = []
        for index, item in items:
            problem = device_problem(item.serial, devices[item.serial], item.secret)
            if problem is not None:
                refused_auth.append((index, problem, item.serial))
                continue
            problem = record_problem_at_door(item, cfg)
            if problem is not None:
                refused_values.append((index, problem, item.serial))
                continue
            record = without_key(records[index])
            record["device"] = item.serial
            by_serial.setdefault(item.serial, []).append(record)
        members = [Member.of(s, rs) for s, rs in by_serial.items()]
        if members:
            await self.commit("http", members)
        rejected += refused_auth + refused_values
        if rejected:
            await sync_to_async(_dead_letters_write)(
                [(p.reason, p.detail, s, records[i]) for i, p, s in rejected]
            )
        answer = {
            "accepted": sum(len(rs) for rs in by_serial.values()),
            "duplicates": 0,
            "rejected": [
                {"index": i, "reason": reason, "detail": detail}
                for i, (reason, detail) in (
                    (i, reason_answered(p.reason, p.detail[:300])) for i, p, _ in rejected
                )
            ],
            "alerts": 0,
            "queued": True,
        }
        return 200, b"application/json", json.dumps(answer).encode()

    async def decode_body(self, request: Request) -> list[Any]:
        """The batch view's decoding (`wire.batch_decode`: size, depth, count, NDJSON)."""
        content_type = request.headers.get("content-type", "")
        ndjson = "ndjson" in content_type or "jsonl" in content_type
        try:
            return batch_decode(request.body, ndjson=ndjson, limits=wire_limits())
        except PayloadProblem as unreadable:
            raise await self.refuse_payload(unreadable, request.body, "http") from None


def query_pairs(query: str) -> list[tuple[str, str]]:
    """`parse_qsl(query, keep_blank_values=True)`, with a fast path for what trackers send: a
    query with no escapes (no '%', no '+') is split as parse_qsl splits it (empty pieces skipped,
    a name without '=' gets ''), without its per-field unquoting; any other query goes to
    parse_qsl itself."""
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&") if query else ():
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((name, value))
    return pairs


def osmand_record(request: Request, content_type: str, params: dict[str, Any]) -> Any:
    """As `telemetry.api._osmand_record`, on the raw request: query parameters, a form body,
    or Traccar Client's JSON body -> one canonical record; PayloadProblem when unreadable."""
    if request.method == "POST" and "json" in content_type:
        return osmand_json_record(request.body, params)
    if request.method == "POST" and request.body and "x-www-form-urlencoded" in content_type:
        try:
            form = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PayloadProblem("malformed", f"the form cannot be read: {exc}"[:200]) from None
        params.update(parse_qsl(form, keep_blank_values=True))
    return osmand_to_record(params)


def _dead_letters_write(rows: list[tuple[str, str, str, Any]]) -> None:
    from atd.telemetry.services import dead_letters_keep

    dead_letters_keep(via="http", rows=rows)
