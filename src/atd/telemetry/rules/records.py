"""Decoding one telemetry record into a fix or a device event, and validating it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from atd.telemetry.rules.storable import json_value_problem, text_problem

EVENT_KINDS = frozenset(
    {
        "strap_open",
        "strap_closed",
        "device_removed",
        "battery",
        "charging_started",
        "charging_stopped",
        "power_off",
        "power_on",
    }
)
KNOTS_TO_MPS = 0.514444
ATTRIBUTES_MAX_DEPTH = 8  # ATD_TELEMETRY_MAX_DEPTH's default


class RecordProblem(Exception):
    """Why one record is rejected. `reason` is a short code kept in the dead-letter table."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# What a sender is told when a record's device is unknown or its key wrong: one answer for
# both, on every door, so serials cannot be enumerated (the dead letter keeps the exact
# reason, `unknown_device` or `bad_credential`, for the admin).
CREDENTIAL_REFUSED = "unknown device or wrong device key"
CREDENTIAL_REASONS = frozenset({"unknown_device", "bad_credential"})


def reason_answered(reason: str, detail: str) -> tuple[str, str]:
    """The (reason, detail) a device-keyed sender is answered for a refused record:
    `bad_credential` with one detail for an unknown device and a wrong key alike, any other
    reason as it is."""
    if reason in CREDENTIAL_REASONS:
        return "bad_credential", CREDENTIAL_REFUSED
    return reason, detail


@dataclass(frozen=True)
class Undecodable:
    """A part of a payload (an NDJSON line) that is not JSON: it takes a record's place so it
    is refused on its own (`reason`, usually `malformed`), its raw bytes kept as a dead letter."""

    raw: bytes
    reason: str
    detail: str


@dataclass(slots=True)
class Fix:
    index: int  # position in the submitted batch, for per-record answers
    serial: str
    secret: str | None
    time: datetime
    lat: float
    lon: float
    seq: int | None = None
    accuracy: float | None = None
    speed: float | None = None  # metres per second
    bearing: float | None = None
    altitude: float | None = None
    battery: int | None = None
    charging: bool | None = None
    attributes: dict[str, Any] | None = None
    device_id: int = 0
    participant_id: int = 0
    flags: int = 0


@dataclass(slots=True)
class Event:
    index: int
    serial: str
    secret: str | None
    time: datetime
    kind: str
    seq: int | None = None
    value: float | None = None
    lat: float | None = None
    lon: float | None = None
    attributes: dict[str, Any] | None = field(default=None)
    device_id: int = 0
    participant_id: int = 0


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: Any) -> datetime:
    """Epoch seconds (or milliseconds), or ISO 8601; a time without offset is UTC."""
    # The common cases first: they are on every record's path. Ten digits (epoch seconds, as
    # OsmAnd trackers send them) never parse as ISO 8601: skip its ValueError.
    if type(value) is str and not (len(value) == 10 and value.isdigit()):
        try:
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    if isinstance(value, bool):
        raise RecordProblem("bad_time", "not a time")
    if isinstance(value, int | float):
        try:
            if not math.isfinite(value):  # an int beyond float range overflows here
                raise RecordProblem("bad_time", "not finite")
            seconds = value / 1000.0 if value > 100_000_000_000 else float(value)
            return _EPOCH + timedelta(seconds=seconds)
        except OverflowError:
            raise RecordProblem("bad_time", "out of range") from None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            if len(text) > 20:
                raise RecordProblem("bad_time", "out of range")
            return parse_time(int(text))
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise RecordProblem("bad_time", f"cannot read {text[:40]!r}") from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    raise RecordProblem("bad_time", "missing")


def _float(record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    kind = type(value)
    if kind is float:
        if value - value == 0.0:  # false for NaN and infinities
            return value
        raise RecordProblem("bad_value", f"{key} is not finite")
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            raise RecordProblem("bad_value", f"{key} is out of range") from None
    if value == "":
        return None
    if isinstance(value, bool):
        raise RecordProblem("bad_value", key)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise RecordProblem("bad_value", f"{key} is not a number") from None
    if not math.isfinite(number):
        raise RecordProblem("bad_value", f"{key} is not finite")
    return number


def _coordinate(record: dict[str, Any], key: str, limit: float) -> float:
    value = record.get(key)
    if isinstance(value, bool):
        raise RecordProblem("bad_coordinates", f"{key} is not a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # an integer beyond float range overflows
        raise RecordProblem("bad_coordinates", f"{key} missing or not a number") from None
    if not (-limit <= number <= limit):  # NaN fails both comparisons
        raise RecordProblem("bad_coordinates", f"{key}={str(value)[:40]} out of range")
    return number


def _bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


KNOWN_KEYS = frozenset(
    {
        "device",
        "key",
        "seq",
        "time",
        "lat",
        "lon",
        "accuracy",
        "speed",
        "bearing",
        "altitude",
        "battery",
        "charging",
        "event",
        "value",
        "attributes",
    }
)


def record_decode(
    index: int,
    record: Any,
    *,
    serial: str | None,
    secret: str | None,
    max_depth: int = ATTRIBUTES_MAX_DEPTH,
) -> Fix | Event:
    """One canonical JSON record -> a Fix or an Event. `serial`/`secret` are the request's
    defaults (a device posting its own buffer); a record may name its own. Anything the
    database could not store (NUL, unpaired surrogates, NaN, deep nesting) is refused here,
    so it never reaches a COPY or a query (see rules.storable)."""
    if isinstance(record, Undecodable):
        raise RecordProblem(record.reason, record.detail)
    if not isinstance(record, dict):
        raise RecordProblem("malformed", "a record is a JSON object")
    own = record.get("device")
    if own is not None and not isinstance(own, str | int) or isinstance(own, bool):
        raise RecordProblem("bad_value", "device is not text")
    device = str(own) if own is not None else serial
    if not device:
        raise RecordProblem("unknown_device", "no device named")
    problem = text_problem(device, "device")
    if problem:
        raise RecordProblem("bad_text", problem)
    key = record.get("key") or secret
    if key is not None:
        problem = text_problem(key, "key")
        if problem:
            raise RecordProblem("bad_credential", problem)
    seq_raw = record.get("seq")
    seq: int | None = None
    if seq_raw is not None:
        try:
            seq = int(seq_raw)
        except (TypeError, ValueError, OverflowError):
            raise RecordProblem("bad_value", "seq is not an integer") from None
        if not -(2**63) <= seq < 2**63:  # the column is a bigint
            raise RecordProblem("bad_value", "seq is out of range")
    time = parse_time(record.get("time"))
    attributes = record.get("attributes")
    if attributes is not None:
        if not isinstance(attributes, dict):
            raise RecordProblem("bad_value", "attributes is an object")
        problem = json_value_problem(attributes, "attributes", max_depth=max_depth)
        if problem:
            raise RecordProblem("bad_text" if "NUL" in problem else "bad_value", problem)
    kind = record.get("event")
    if kind is not None:
        if not isinstance(kind, str) or kind not in EVENT_KINDS:
            raise RecordProblem("unknown_event", repr(kind)[:40])
        lat = _float(record, "lat")
        lon = _float(record, "lon")
        if lat is not None and not -90 <= lat <= 90 or lon is not None and not -180 <= lon <= 180:
            raise RecordProblem("bad_coordinates", "out of range")
        return Event(
            index, device, key, time, kind, seq, _float(record, "value"), lat, lon, attributes
        )
    battery = _float(record, "battery")
    return Fix(
        index,
        device,
        key,
        time,
        _coordinate(record, "lat", 90.0),
        _coordinate(record, "lon", 180.0),
        seq,
        _float(record, "accuracy"),
        _float(record, "speed"),
        _float(record, "bearing"),
        _float(record, "altitude"),
        None if battery is None else int(battery),
        _bool(record.get("charging")),
        attributes,
    )


def record_time_problem(
    moment: datetime, *, now: datetime, future_tolerance: timedelta, max_age: timedelta
) -> RecordProblem | None:
    if moment > now + future_tolerance:
        return RecordProblem("future_time", moment.isoformat())
    if moment < now - max_age:
        return RecordProblem("too_old", moment.isoformat())
    return None


def fix_value_problem(fix: Fix) -> RecordProblem | None:
    """Ranges that decode does not check (coordinates are checked while decoding)."""
    if fix.accuracy is not None and fix.accuracy < 0:
        return RecordProblem("bad_value", "accuracy is negative")
    if fix.battery is not None and not 0 <= fix.battery <= 100:
        return RecordProblem("bad_value", "battery is a percentage")
    if fix.speed is not None and fix.speed < 0:
        return RecordProblem("bad_value", "speed is negative")
    return None


MOTION_KEYS = ("motion", "is_moving")  # OsmAnd / Traccar Client query; Traccar Client's JSON body


def motion_reported(attributes: dict[str, Any] | None) -> bool | None:
    """Whether the device said it was moving, from its attributes; None when it did not say
    (or said something that is not a yes or a no)."""
    if not attributes:
        return None
    for key in MOTION_KEYS:
        value = attributes.get(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "1", "false", "0"}:
            return value.strip().lower() in {"true", "1"}
        if isinstance(value, int) and value in {0, 1}:
            return bool(value)
    return None


def osmand_to_record(params: dict[str, Any]) -> dict[str, Any]:
    """OsmAnd / Traccar Client parameters -> a canonical record. Speed comes in knots; any
    parameter atd does not model is kept in `attributes`."""
    out: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for name, value in params.items():
        if name in {"id", "deviceid"}:
            out["device"] = value
        elif name in {"lat", "lon", "accuracy", "bearing", "altitude"}:
            out[name] = value
        elif name == "speed":
            try:
                out["speed"] = float(value) * KNOTS_TO_MPS
            except (TypeError, ValueError):
                out["speed"] = value  # validation names the problem
        elif name == "timestamp":
            out["time"] = value
        elif name == "batt":
            out["battery"] = value
        elif name == "charge":
            out["charging"] = value
        elif name in {"key", "password"}:
            out["key"] = value
        elif name == "alarm" and str(value).lower() in {"tampering", "removing", "tamper"}:
            out["event"] = "strap_open"
        else:
            attributes[name] = value
    if "battery" in out and "charging" not in out:
        # Traccar Client sends `charge=true` only while charging and nothing otherwise, so a
        # report with a battery level and no `charge` says "not charging".
        out["charging"] = False
    if attributes:
        out["attributes"] = attributes
    return out


def traccar_json_to_record(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON body newer Traccar Client versions POST:
    {"device_id", "location": {"timestamp", "coords": {...}, "battery": {...}, ...}}.
    Raises RecordProblem("malformed") when a part that must be an object is not."""
    location = body.get("location") or {}
    if not isinstance(location, dict):
        raise RecordProblem("malformed", "location is an object")
    coords = location.get("coords") or {}
    battery = location.get("battery") or {}
    if not isinstance(coords, dict) or not isinstance(battery, dict):
        raise RecordProblem("malformed", "location.coords and location.battery are objects")
    out: dict[str, Any] = {
        "device": body.get("device_id") or body.get("id"),
        "time": location.get("timestamp"),
        "lat": coords.get("latitude"),
        "lon": coords.get("longitude"),
        "accuracy": coords.get("accuracy"),
        "speed": coords.get("speed"),  # already metres per second in this format
        "bearing": coords.get("heading"),
        "altitude": coords.get("altitude"),
    }
    level = battery.get("level")
    if isinstance(level, int | float) and not isinstance(level, bool):
        finite = math.isfinite(level)  # else validation names the problem
        out["battery"] = round(level * 100) if finite and level <= 1 else level
    if "is_charging" in battery:
        out["charging"] = battery.get("is_charging")
    extras = {k: v for k, v in location.items() if k not in {"timestamp", "coords", "battery"}}
    if extras:
        out["attributes"] = extras
    return {k: v for k, v in out.items() if v is not None}
