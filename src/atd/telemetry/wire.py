"""JSON as devices send it: bounded decoding of request bodies and MQTT payloads.

Every door (HTTP batch, OsmAnd, MQTT, and any door added later) decodes through these
functions, so a hostile payload is refused here with a reason (`PayloadProblem`) and never
raises anything else: no RecursionError from nesting, no MemoryError from size. What decodes
is a list of records, each judged alone later by `rules.records.record_decode`; an NDJSON line
that does not decode becomes an `Undecodable` item, refused on its own as `malformed`.

Limits (settings, see docs/telemetry.md): body size (`ATD_TELEMETRY_MAX_BODY_BYTES`), record
count (`ATD_TELEMETRY_MAX_BATCH`), nesting (512 levels for a whole payload here; a record's
`attributes` are held to `ATD_TELEMETRY_MAX_DEPTH` when the record is judged).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from django.conf import settings

from atd.telemetry.rules.records import RecordProblem, Undecodable, traccar_json_to_record

# orjson refuses more than 1024 levels itself; Python's json (the fallback for NaN literals and
# lone surrogates, which orjson refuses) has no limit of its own and recurses in C until it
# raises RecursionError, so the fallback is only tried on a payload measured shallower.
FALLBACK_MAX_DEPTH = 512
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


class PayloadProblem(ValueError):
    """Why a whole payload is refused: `malformed`, `too_large`, `too_deep`,
    `too_many_records`. A ValueError, so older callers that catch ValueError still do."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class WireLimits:
    max_bytes: int
    max_depth: int
    max_records: int


def wire_limits() -> WireLimits:
    return WireLimits(
        max_bytes=settings.ATD_TELEMETRY_MAX_BODY_BYTES,
        max_depth=settings.ATD_TELEMETRY_MAX_DEPTH,
        max_records=settings.ATD_TELEMETRY_MAX_BATCH,
    )


def json_depth(body: bytes | str) -> int:
    """The deepest nesting of arrays and objects (brackets inside strings do not count), in
    C-speed steps: strings are blanked by one regex, then a cumulative sum over the bytes."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
    if b"[" not in data and b"{" not in data:
        return 0
    blanked = _STRING.sub(b'""', data)
    codes = np.frombuffer(blanked, dtype=np.uint8)
    steps = ((codes == 0x5B) | (codes == 0x7B)).astype(np.int32)
    steps -= ((codes == 0x5D) | (codes == 0x7D)).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def json_decode(body: bytes | str) -> Any:
    """One JSON document. orjson first (several times faster on a 10,000-record body; it
    refuses more than 1024 levels of nesting itself); a body it refuses but Python's json reads
    (NaN/Infinity literals, lone surrogate escapes) falls back to json, so such a record is
    still refused on its own with its reason instead of failing the whole batch. Raises
    PayloadProblem, and nothing else, for what cannot be read."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        orjson_error = str(exc)
    if "recursion" in orjson_error.lower() or json_depth(body) > FALLBACK_MAX_DEPTH:
        raise PayloadProblem("too_deep", f"nested deeper than {FALLBACK_MAX_DEPTH} levels")
    try:
        return json.loads(body)
    except RecursionError:  # belt and braces: the depth was measured above
        raise PayloadProblem("too_deep", "nested too deeply") from None
    except (ValueError, UnicodeDecodeError, TypeError):
        raise PayloadProblem("malformed", orjson_error[:200]) from None


def json_loads(body: bytes | str) -> Any:
    """The name the benchmark's decode step uses."""
    return json_decode(body)


def body_size_check(size: int, limits: WireLimits) -> None:
    if size > limits.max_bytes:
        raise PayloadProblem("too_large", f"{size} bytes; at most {limits.max_bytes}")


def records_count_check(count: int, limits: WireLimits) -> None:
    if count > limits.max_records:
        raise PayloadProblem(
            "too_many_records", f"{count} records; at most {limits.max_records} per request"
        )


def records_of(value: Any) -> list[Any]:
    """A decoded body's records: a JSON array, {"records": [...]}, or one record object."""
    if isinstance(value, dict) and isinstance(value.get("records"), list):
        return list(value["records"])
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    raise PayloadProblem("malformed", "expected a JSON array of records or an object")


def batch_decode(body: bytes, *, ndjson: bool, limits: WireLimits) -> list[Any]:
    """An HTTP batch body -> its records (a JSON array, {"records": [...]}, one object, or
    NDJSON). Size, depth and count are checked before anything is stored; an NDJSON line that
    does not decode is an `Undecodable` record, refused alone."""
    body_size_check(len(body), limits)
    if ndjson:
        lines = [line for line in body.splitlines() if line.strip()]
        records_count_check(len(lines), limits)
        out: list[Any] = []
        for line in lines:
            try:
                out.append(json_decode(line))
            except PayloadProblem as problem:
                out.append(Undecodable(line, problem.reason, problem.detail))
        return out
    records = records_of(json_decode(body or b"null"))
    records_count_check(len(records), limits)
    return records


def osmand_json_record(body: bytes, params: dict[str, Any]) -> dict[str, Any]:
    """The JSON body newer Traccar Client versions POST to the OsmAnd door -> one canonical
    record; the query's `id` names the device when the body does not, its `key` wins. Both
    OsmAnd doors (the Django view and the lean ASGI door) read it here. A body that is not a
    record raises PayloadProblem."""
    value = json_decode(body or b"{}")
    try:
        record: Any = traccar_json_to_record(value) if isinstance(value, dict) else value
    except RecordProblem as problem:
        raise PayloadProblem(problem.reason, problem.detail) from None
    if not isinstance(record, dict):
        raise PayloadProblem("malformed", "the body is a JSON object")
    if "id" in params:
        record.setdefault("device", params["id"])
    if "key" in params:
        record["key"] = params["key"]
    return record
