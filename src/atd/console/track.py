"""The map's data: the participant's track, zones, check-in points and current position.

Positions come from telemetry and check-in points from checkins, through functions those apps
may or may not provide yet (looked up with getattr, so the console runs without them):
  atd.telemetry.selectors.track_for_participant(scope, participant_id, since, until)
  atd.checkins.selectors.checkin_points_for_participant(scope, participant_id, since, until)
Each returns an iterable of dicts or objects with lat/lon (or latitude/longitude) and a time, or
(telemetry's selector) plain (time, lat, lon, accuracy_m) tuples oldest first, which are thinned
before any per-point work: a week at one fix a minute is ~10,000 rows, the map draws 2,000.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from atd.core.scope import Scope

log = logging.getLogger(__name__)
# What the map draws: enough for a week at one fix every five minutes; the thinned track keeps
# the shape at the map's zoom, and `full=True` (track.json?full=1) returns every fix.
MAX_POINTS = 2000
T = TypeVar("T")
_TIME_NAMES = (
    "at",
    "fix_time",
    "fix_at",
    "recorded_at",
    "occurred_at",
    "device_time",
    "ts",
    "time",
)


def optional_function(module: str, name: str) -> Callable[..., Any] | None:
    try:
        imported = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(imported, name, None)
    return fn if callable(fn) else None


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def point_of(obj: Any) -> dict[str, Any] | None:
    lat = _get(obj, "lat", "latitude")
    lon = _get(obj, "lon", "lng", "longitude")
    if lat is None or lon is None:
        return None
    at = _get(obj, *_TIME_NAMES)
    out: dict[str, Any] = {
        "lat": round(float(lat), 6),
        "lon": round(float(lon), 6),
        "at": at.isoformat() if isinstance(at, datetime) else (str(at) if at else ""),
    }
    accuracy = _get(obj, "accuracy_m", "accuracy")
    if accuracy is not None:
        out["accuracy_m"] = float(accuracy)
    verified = _get(obj, "location_verified", "verified")
    if verified is not None:
        out["verified"] = bool(verified)
    return out


def thin(points: Sequence[T], limit: int = MAX_POINTS) -> list[T]:
    """Keeps every n-th point (and always the first and last) so the browser draws at most
    `limit`."""
    if len(points) <= limit:
        return list(points)
    step = len(points) / limit
    kept = [points[int(i * step)] for i in range(limit - 1)]
    return [*kept, points[-1]]


def _tuple_points(rows: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """(time, lat, lon, accuracy_m) rows, oldest first, as the map's points."""
    out = []
    for at, lat, lon, accuracy in rows:
        point: dict[str, Any] = {
            "lat": round(float(lat), 6),
            "lon": round(float(lon), 6),
            "at": at.isoformat() if isinstance(at, datetime) else str(at),
        }
        if accuracy is not None:
            point["accuracy_m"] = float(accuracy)
        out.append(point)
    return out


def _telemetry_track(actor: Any) -> Callable[..., Any] | None:
    """The agreed `track_for_participant`, else an adapter over telemetry's audited
    `participant_track_read(scope=, actor=, participant_id=, since=, limit=)` (newest first)."""
    fn = optional_function("atd.telemetry.selectors", "track_for_participant")
    if fn is not None:
        return fn
    read = optional_function("atd.telemetry.selectors", "participant_track_read")
    if read is None:
        return None

    def adapter(scope: Scope, participant_id: int, since: datetime, until: datetime) -> list[Any]:
        _, track = read(
            scope=scope, actor=actor, participant_id=participant_id, since=since, limit=MAX_POINTS
        )
        return [p for p in track if getattr(p, "fix_time", since) <= until]

    return adapter


def checkin_points_source(actor: Any) -> Callable[..., Any] | None:
    """The agreed `checkin_points_for_participant`, else an adapter over checkins' audited
    `checkins_for_participant_read(scope=, actor=, participant_id=, limit=)`."""
    fn = optional_function("atd.checkins.selectors", "checkin_points_for_participant")
    if fn is not None:
        return fn
    read = optional_function("atd.checkins.selectors", "checkins_for_participant_read")
    if read is None:
        return None

    def adapter(scope: Scope, participant_id: int, since: datetime, until: datetime) -> list[Any]:
        points = []
        for c in read(scope=scope, actor=actor, participant_id=participant_id, limit=200):
            at = getattr(c, "received_at", None) or getattr(c, "captured_at", None)
            lat, lon = getattr(c, "latitude", None), getattr(c, "longitude", None)
            if at is None or lat is None or lon is None or not since <= at <= until:
                continue
            points.append(
                {
                    "lat": lat,
                    "lon": lon,
                    "at": at,
                    "accuracy_m": getattr(c, "accuracy_m", None),
                    "verified": getattr(c, "location_status", "") != "unverified",
                }
            )
        return points

    return adapter


def track_data(
    *,
    scope: Scope,
    participant_id: int,
    since: datetime,
    until: datetime,
    actor: Any = None,
    full: bool = False,
) -> dict[str, Any]:
    track_fn = _telemetry_track(actor)
    checkin_fn = checkin_points_source(actor)
    points: list[dict[str, Any]] = []
    drawn: list[dict[str, Any]] = []
    count = 0
    message = ""
    sample_fn = (
        None
        if full
        else optional_function("atd.telemetry.selectors", "track_sample_for_participant")
    )
    if sample_fn is not None:
        # Thinned in the database: only the drawn rows are read.
        sample = sample_fn(scope, participant_id, since, until, MAX_POINTS)
        count = sample.fix_count
        drawn = _tuple_points(sample.points)
        if not count:
            message = "No track data in this period."
    elif track_fn is None:
        message = "No track data: the telemetry app does not provide positions yet."
    else:
        raw = list(track_fn(scope, participant_id, since, until))
        if raw and isinstance(raw[0], tuple):
            count = len(raw)
            drawn = _tuple_points(raw if full else thin(raw))
        else:
            points = [p for p in (point_of(r) for r in raw) if p is not None]
            points.sort(key=lambda p: p["at"])
            count = len(points)
            drawn = points if full else thin(points)
        if not count:
            message = "No track data in this period."
    checkins: list[dict[str, Any]] = []
    if checkin_fn is not None:
        checkins = [
            p
            for p in (point_of(r) for r in checkin_fn(scope, participant_id, since, until))
            if p is not None
        ]
    return {
        "participant_id": participant_id,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "track_available": track_fn is not None,
        "message": message,
        "points": drawn,
        "point_count": count,
        "thinned": len(drawn) < count,
        "current": drawn[-1] if drawn else None,
        "zones": zones_of(participant_id),
        "checkins": checkins,
    }


def zones_of(participant_id: int) -> list[dict[str, Any]]:
    """Active zones as Leaflet-ready shapes ([lat, lon] order). Scope was checked by the view."""
    from atd.supervision.selectors import zones_for_participants

    out = []
    for z in zones_for_participants([participant_id]).get(participant_id, []):
        shape: dict[str, Any] = {"id": z.id, "kind": z.kind, "purpose": z.purpose}
        if z.polygon:
            shape["polygon"] = [[lat, lon] for lon, lat in z.polygon]
        elif z.center_lat is not None and z.center_lon is not None:
            shape["center"] = [z.center_lat, z.center_lon]
            shape["radius_m"] = z.radius_m
        out.append(shape)
    return out
