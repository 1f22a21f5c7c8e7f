"""Zone geometry evaluated in bulk: signed distance of many fixes to many zones at once.

Each zone is drawn in a local metric plane around its own origin (equirectangular: exact
enough within a few tens of kilometres, which every supervision zone is). Circles use numpy;
polygons use shapely 2's vectorised predicates, so a batch of fixes costs a few array calls,
not a Python loop per fix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
INSIDE = -1
AMBIGUOUS = 0
OUTSIDE = 1


@dataclass(frozen=True)
class ZoneShape:
    """A zone ready for bulk evaluation (built once per zone and cached by the caller)."""

    id: int
    kind: str  # inclusion | exclusion
    origin_lat: float
    origin_lon: float
    radius_m: float | None  # a circle around the origin, or
    polygon: Any | None  # a shapely Polygon in local metres around the origin


def zone_shape(
    zone_id: int,
    kind: str,
    *,
    center_lat: float | None,
    center_lon: float | None,
    radius_m: float | None,
    polygon: Sequence[Sequence[float]] | None,
) -> ZoneShape:
    if polygon:
        ring = [(float(p[0]), float(p[1])) for p in polygon]  # GeoJSON order: lon, lat
        lat0 = sum(p[1] for p in ring) / len(ring)
        lon0 = sum(p[0] for p in ring) / len(ring)
        k = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
        local = [((lon - lon0) * k, (lat - lat0) * M_PER_DEG_LAT) for lon, lat in ring]
        shape = shapely.make_valid(shapely.Polygon(local))
        shapely.prepare(shape)
        return ZoneShape(zone_id, kind, lat0, lon0, None, shape)
    if center_lat is None or center_lon is None or not radius_m:
        raise ValueError(f"zone {zone_id} is neither a circle nor a polygon")
    return ZoneShape(zone_id, kind, center_lat, center_lon, float(radius_m), None)


@dataclass(frozen=True)
class ZoneArrays:
    """Many zones as parallel arrays (built once per batch from cached shapes)."""

    origin_lat: np.ndarray
    origin_lon: np.ndarray
    k: np.ndarray  # metres per degree of longitude at the origin
    radius: np.ndarray  # 0 for polygons
    is_circle: np.ndarray
    polygons: np.ndarray  # object array: shapely polygon or None


def zone_arrays(shapes: Sequence[ZoneShape]) -> ZoneArrays:
    n = len(shapes)
    lat0 = np.fromiter((s.origin_lat for s in shapes), dtype=np.float64, count=n)
    polygons: Any = np.empty(n, dtype=object)
    polygons[:] = [s.polygon for s in shapes]
    return ZoneArrays(
        origin_lat=lat0,
        origin_lon=np.fromiter((s.origin_lon for s in shapes), dtype=np.float64, count=n),
        k=M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat0)),
        radius=np.fromiter((s.radius_m or 0.0 for s in shapes), dtype=np.float64, count=n),
        is_circle=np.fromiter((s.radius_m is not None for s in shapes), dtype=bool, count=n),
        polygons=polygons,
    )


def signed_distances_at(
    zones: ZoneArrays, which: np.ndarray, lats: np.ndarray, lons: np.ndarray
) -> np.ndarray:
    """Element-wise: metres outside zone which[i] for the point (lats[i], lons[i]); negative
    inside."""
    n = which.shape[0]
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    x = (lons - zones.origin_lon[which]) * zones.k[which]
    y = (lats - zones.origin_lat[which]) * M_PER_DEG_LAT
    is_circle = zones.is_circle[which]
    if is_circle.any():
        radius = zones.radius[which]
        out[is_circle] = np.hypot(x[is_circle], y[is_circle]) - radius[is_circle]
    poly = ~is_circle
    if poly.any():
        idx = np.nonzero(poly)[0]
        geoms = zones.polygons[which[idx]]
        px, py = x[idx], y[idx]
        inside = shapely.contains_xy(geoms, px, py)
        dist = shapely.distance(shapely.boundary(geoms), shapely.points(px, py))
        out[idx] = np.where(inside, -dist, dist)
    return out


def signed_distances(shapes: Sequence[ZoneShape], lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Element-wise: metres outside shapes[i] for the point (lats[i], lons[i]); negative inside."""
    return signed_distances_at(
        zone_arrays(shapes), np.arange(len(shapes), dtype=np.int64), lats, lons
    )


def classify(signed: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """OUTSIDE only when outside by more than the fix's accuracy radius, INSIDE only when
    inside by more than it; anything closer to the edge is AMBIGUOUS and decides nothing."""
    out = np.full(signed.shape, AMBIGUOUS, dtype=np.int8)
    out[signed > accuracy] = OUTSIDE
    out[signed < -accuracy] = INSIDE
    return out


def point_in_zone_slow(zone: ZoneShape, lat: float, lon: float) -> float:
    """Reference evaluation for tests and the benchmark's cross-check: one point, plain math."""
    k = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(zone.origin_lat))
    x = (lon - zone.origin_lon) * k
    y = (lat - zone.origin_lat) * M_PER_DEG_LAT
    if zone.radius_m is not None:
        return math.hypot(x, y) - zone.radius_m
    polygon: Any = zone.polygon
    point = shapely.Point(x, y)
    d = polygon.boundary.distance(point)
    return -d if polygon.contains(point) else d
