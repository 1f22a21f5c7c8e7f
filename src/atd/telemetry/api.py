"""HTTP API of telemetry: the device ingest endpoints (HTTP batch, OsmAnd) and admin reads.

Ingest endpoints authenticate devices, not users: headers `X-Device-Serial` + `X-Device-Key`
(or HTTP Basic serial:secret, or per-record `device`/`key`, or OsmAnd's `id` + `key`), or an
integration key with the `telemetry` scope acting as a gateway for many devices.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Router, Schema

from atd.core import clock
from atd.core.api import principal_of, problem_response, scope_of
from atd.core.apikeys import api_key_authenticate
from atd.core.errors import DomainError, Unauthorized, ValidationFailed
from atd.core.models import ApiKey
from atd.core.roles import Role
from atd.telemetry import selectors, services
from atd.telemetry.rules.records import (
    CREDENTIAL_REASONS,
    CREDENTIAL_REFUSED,
    osmand_to_record,
)
from atd.telemetry.rules.storable import text_storable
from atd.telemetry.wire import PayloadProblem, batch_decode, osmand_json_record, wire_limits

router = Router(tags=["telemetry"])


@dataclass
class PayloadTooLarge(DomainError):
    status: int = 413
    title: str = "Too many records"
    type: str = "/problems/too-many-records"


@dataclass
class BodyTooLarge(DomainError):
    status: int = 413
    title: str = "Body too large"
    type: str = "/problems/body-too-large"


OSMAND_MAX_BODY_BYTES = 64 * 1024  # one report; Traccar Client's JSON body is < 1 KB


def _body_bounded(request: HttpRequest, limit: int, via: str) -> bytes:
    """The request body, read up to `limit` bytes: the telemetry doors have their own limit
    (ATD_TELEMETRY_MAX_BODY_BYTES, sized to the largest legal batch) instead of Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, and answer 413 problem+json past it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        body = b""
    elif limit <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        body = request.body  # within Django's limit: request.POST can still parse forms
    else:
        body = request.read(limit + 1)
    if declared > limit or len(body) > limit:
        size = max(declared, len(body))
        detail = f"{size} bytes or more; at most {limit} per request"
        services.dead_letter_payload(via=via, reason="too_large", payload=None, detail=detail)
        raise BodyTooLarge(detail=detail)
    return body


def _refuse_payload(problem: PayloadProblem, body: bytes, via: str) -> DomainError:
    """A whole payload refused by the decoder: kept as a dead letter, answered as a problem."""
    services.dead_letter_payload(
        via=via, reason=problem.reason, payload=body, detail=problem.detail
    )
    if problem.reason == "too_many_records":
        return PayloadTooLarge(detail=problem.detail)
    if problem.reason == "too_large":
        return BodyTooLarge(detail=problem.detail)
    return ValidationFailed(detail=f"{problem.reason}: {problem.detail}".strip(": "))


def _device_credentials(request: HttpRequest) -> tuple[str | None, str | None]:
    serial = request.headers.get("X-Device-Serial")
    secret = request.headers.get("X-Device-Key")
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Basic ") and not secret:
        try:
            serial, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized(detail="malformed Basic credentials") from None
    return serial or None, secret or None


def _gateway_key(request: HttpRequest) -> ApiKey | None:
    presented = request.headers.get("X-API-Key")
    if not presented:
        return None
    key = api_key_authenticate(presented)
    if key is None or ApiKey.Scope.TELEMETRY not in key.scopes:
        raise Unauthorized(detail="this API key may not send telemetry")
    return key


def _decode_body(request: HttpRequest) -> list[Any]:
    limits = wire_limits()
    body = _body_bounded(request, limits.max_bytes, "http")
    content_type = request.headers.get("Content-Type", "")
    ndjson = "ndjson" in content_type or "jsonl" in content_type
    try:
        return batch_decode(body, ndjson=ndjson, limits=limits)
    except PayloadProblem as problem:
        raise _refuse_payload(problem, body, "http") from None


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type="application/json")


@router.post(
    "",
    auth=None,
    summary="Ingest a batch of positions and device events",
    openapi_extra={
        "responses": {
            "413": {
                "description": "More records than ATD_TELEMETRY_MAX_BATCH, or a body over "
                "ATD_TELEMETRY_MAX_BODY_BYTES",
                "content": {"application/problem+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def telemetry_batch(request: HttpRequest) -> HttpResponse:
    """JSON array or NDJSON of up to ATD_TELEMETRY_MAX_BATCH records (and
    ATD_TELEMETRY_MAX_BODY_BYTES). Each record is accepted or rejected on its own (NaN, NUL,
    wrong types included); rejected ones are answered with their reason and kept as dead
    letters. Sending the same batch again changes nothing."""
    gateway = _gateway_key(request)
    serial, secret = _device_credentials(request)
    records = _decode_body(request)
    if gateway is None and serial is not None and not _credential_ok(serial, secret):
        services.dead_letter_payload(
            via="http", reason="bad_credential", payload=records, serial=serial
        )
        raise Unauthorized(detail=CREDENTIAL_REFUSED)
    result = services.telemetry_ingest(
        actor=gateway,
        records=records,
        via="http",
        serial=serial,
        secret=secret,
        trusted=gateway is not None,
    )
    return _json(result.as_dict(device_keyed=gateway is None))


@router.api_operation(
    ["GET", "POST"], "/osmand", auth=None, summary="OsmAnd / Traccar Client protocol"
)
def telemetry_osmand(request: HttpRequest) -> HttpResponse:
    """`id`, `lat`, `lon`, `timestamp`, `speed` (knots), `bearing`, `altitude`, `accuracy`,
    `batt`, `charge`, any other parameter kept as an attribute; the device secret as `key`
    (or X-Device-Key / Basic). Also the JSON body newer Traccar Client versions POST."""
    params: dict[str, Any] = {k: v for k, v in request.GET.items()}
    content_type = request.headers.get("Content-Type", "")
    body = _body_bounded(request, OSMAND_MAX_BODY_BYTES, "osmand")
    try:
        record = _osmand_record(request, content_type, params, body)
    except PayloadProblem as problem:
        raise _refuse_payload(problem, body, "osmand") from None
    serial, secret = _device_credentials(request)
    if secret and "key" not in record:
        record["key"] = secret
    if serial and "device" not in record:
        record["device"] = serial
    result = services.telemetry_ingest(actor=None, records=[record], via="osmand")
    if result.rejected:
        reason = result.rejected[0]
        if reason.reason in CREDENTIAL_REASONS:
            # The same answer for both, so serials cannot be enumerated (the dead letter
            # keeps the exact reason for the admin).
            raise Unauthorized(detail=CREDENTIAL_REFUSED)
        return problem_response(
            request,
            {
                "type": "/problems/record-rejected",
                "title": "Record rejected",
                "status": 400,
                "detail": f"{reason.reason}: {reason.detail}".strip(": "),
            },
        )
    return HttpResponse("OK", content_type="text/plain")


def _osmand_record(
    request: HttpRequest, content_type: str, params: dict[str, Any], body: bytes
) -> dict[str, Any]:
    """Query parameters (GET), a form body (POST) or Traccar Client's JSON body -> one
    canonical record; a body that cannot be read raises PayloadProblem. A record whose parts
    have the wrong shape is returned as is (a list or a string), so the pipeline refuses it
    alone as `malformed` and keeps it as a dead letter."""
    method = request.method
    if method == "POST" and "json" in content_type:
        return osmand_json_record(body, params)
    if method == "POST" and body:
        try:
            params.update(request.POST.items())
        except (TooManyFieldsSent, MultiPartParserError, UnicodeDecodeError) as exc:
            raise PayloadProblem("malformed", f"the form cannot be read: {exc}"[:200]) from None
    return osmand_to_record(params)


def _credential_ok(serial: str, secret: str | None) -> bool:
    """A serial the database could not even look up (NUL) is simply unknown."""
    if not text_storable(serial) or (secret is not None and not text_storable(secret)):
        return False
    return services.device_credential_ok(serial, secret)


class DeadLetterOut(Schema):
    id: int
    received_at: datetime
    via: str
    device_serial: str
    reason: str
    detail: str
    payload: Any
    replayed_at: datetime | None
    replay_outcome: str


@router.get("/dead-letters", response=list[DeadLetterOut])
def dead_letter_list(
    request: HttpRequest, reason: str | None = None, pending: bool = True, limit: int = 100
) -> Any:
    scope_of(request).require(Role.ADMIN)
    limit = min(max(limit, 1), 500)
    return list(selectors.dead_letter_list(reason=reason, pending_only=pending)[:limit])


@router.post("/dead-letters/{dead_letter_id}/replay")
def dead_letter_replay(request: HttpRequest, dead_letter_id: int) -> HttpResponse:
    scope_of(request).require(Role.ADMIN)
    result = services.dead_letter_replay(
        actor=principal_of(request), dead_letter_ids=[dead_letter_id]
    )
    return _json(result.as_dict())


class PositionOut(Schema):
    fix_time: datetime
    lat: float
    lon: float
    accuracy_m: float | None
    battery: int | None
    flags: int


class TrackOut(Schema):
    participant_id: int
    last: PositionOut | None
    positions: list[PositionOut]


@router.get("/participants/{participant_id}/track", response=TrackOut)
def participant_track(
    request: HttpRequest, participant_id: int, hours: int = 24, reason: str = ""
) -> Any:
    """The last `hours` (1 to 720) of fixes, newest first. A period reaching past the last
    7 days needs a `reason`, as on the console's map: without one the answer is 400
    (`reason_required`) and the refusal is audited; with one, the reason is audited."""
    scope = scope_of(request)
    scope.require(
        Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN, Role.PARTICIPANT
    )
    since = clock.now() - timedelta(hours=max(1, min(hours, 24 * 30)))
    last, track = selectors.participant_track_read(
        scope=scope,
        actor=principal_of(request),
        participant_id=participant_id,
        since=since,
        reason=reason,
    )
    return {
        "participant_id": participant_id,
        "last": {
            "fix_time": last.fix_time,
            "lat": last.lat,
            "lon": last.lon,
            "accuracy_m": last.accuracy_m,
            "battery": last.battery,
            "flags": 0,
        }
        if last
        else None,
        "positions": track,
    }
