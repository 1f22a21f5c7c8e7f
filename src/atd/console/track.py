"""The map's data: the participant's track, zones, check-in points and current position.

Positions come from telemetry and check-in points from checkins, through functions those apps
may or may not provide yet (looked up with getattr, so the console runs without them):
  atd.telemetry.selectors.track_for_participant(scope, participant_id, since, until)
  atd.checkins.selectors.checkin_points_for_participant(scope, participant_id, since, until)
Each returns an iterable of dicts or objects with lat/lon (or latitude/longitude) and a time.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from atd.core.scope import Scope

log = logging.getLogger(__name__)
MAX_POINTS = 5000
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


def thin(points: list[dict[str, Any]], limit: int = MAX_POINTS) -> list[dict[str, Any]]:
    """Keeps every n-th point (and always the last) so the browser draws at most `limit`."""
    if len(points) <= limit:
        return points
    step = len(points) / limit
    kept = [points[int(i * step)] for i in range(limit - 1)]
    return [*kept, points[-1]]


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
    *, scope: Scope, participant_id: int, since: datetime, until: datetime, actor: Any = None
) -> dict[str, Any]:
    track_fn = _telemetry_track(actor)
    checkin_fn = checkin_points_source(actor)
    points: list[dict[str, Any]] = []
    message = ""
    if track_fn is None:
        message = "No track data: the telemetry app does not provide positions yet."
    else:
        raw = track_fn(scope, participant_id, since, until)
        points = [p for p in (point_of(r) for r in raw) if p is not None]
        points.sort(key=lambda p: p["at"])
        if not points:
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
        "points": thin(points),
        "point_count": len(points),
        "current": points[-1] if points else None,
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
