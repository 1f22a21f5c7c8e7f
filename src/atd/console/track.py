"""The map's data: the participant's track, zones, check-in points and current position.

Positions come from telemetry's selectors (`track_sample_for_participant`, thinned in the
database: a week at one fix a minute is ~10,000 rows, the map draws 2,000; or
`track_for_participant` for every fix), check-in points from checkins'
`checkin_points_for_participant`, zones from supervision's `zones_for_participants`. All three
are typed (TrackPoint, CheckinPoint, ZoneSpec); this module only turns them into the map's JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from atd.checkins.selectors import checkin_points_for_participant
from atd.checkins.types import CheckinPoint
from atd.core.scope import Scope
from atd.supervision.selectors import zones_for_participants
from atd.telemetry.selectors import track_for_participant, track_sample_for_participant
from atd.telemetry.types import TrackPoint

# What the map draws: enough for a week at one fix every five minutes; the thinned track keeps
# the shape at the map's zoom, and `full=True` (track.json?full=1) returns every fix.
MAX_POINTS = 2000


def point_json(point: TrackPoint | CheckinPoint) -> dict[str, Any]:
    """A fix or a check-in as the map's JS reads it: `at` in ISO 8601, coordinates to 6 places
    (~0.1 m), accuracy only when known, `verified` for check-ins."""
    out: dict[str, Any] = {
        "lat": round(float(point.lat), 6),
        "lon": round(float(point.lon), 6),
        "at": point.at.isoformat(),
    }
    if point.accuracy_m is not None:
        out["accuracy_m"] = float(point.accuracy_m)
    if isinstance(point, CheckinPoint):
        out["verified"] = point.verified
    return out


def track_data(
    *,
    scope: Scope,
    participant_id: int,
    since: datetime,
    until: datetime,
    actor: Any = None,
    full: bool = False,
) -> dict[str, Any]:
    if full:
        track = track_for_participant(scope, participant_id, since, until)
        count = len(track)
    else:
        # Thinned in the database: only the drawn rows are read.
        sample = track_sample_for_participant(scope, participant_id, since, until, MAX_POINTS)
        track, count = list(sample.points), sample.fix_count
    drawn = [point_json(p) for p in track]
    checkins = checkin_points_for_participant(
        scope=scope, actor=actor, participant_id=participant_id, since=since, until=until
    )
    return {
        "participant_id": participant_id,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "track_available": True,
        "message": "" if count else "No track data in this period.",
        "points": drawn,
        "point_count": count,
        "thinned": len(drawn) < count,
        "current": drawn[-1] if drawn else None,
        "zones": zones_of(participant_id),
        "checkins": [point_json(c) for c in checkins],
    }


def zones_of(participant_id: int) -> list[dict[str, Any]]:
    """Active zones as Leaflet-ready shapes ([lat, lon] order). Scope was checked by the view."""
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
