"""Builds the offline base map (static/console/basemap/us.geojson) from the npm package
us-atlas (TopoJSON of the Census Bureau's 2017 cartographic boundaries, public domain; the
package is ISC-licensed): every state outline, and the counties near the demo offices with
their names. Run once when the data or the regions change; the output is committed, so
nothing is downloaded at run time:

    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python -m atd.console.basemap_build package/counties-10m.json \
        src/atd/console/static/console/basemap/us.geojson
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The demo offices (atd.simulate.demo) and the test world's: counties within this many degrees.
REGIONS = {
    "Houston": (29.94, -95.41),
    "Santa Ana": (33.75, -117.87),
    "Miami": (25.76, -80.32),
    "New York": (40.71, -74.0),
    "Chicago": (41.88, -87.63),
}
RADIUS_DEG = 1.6
DIGITS = 4  # ~10 m: finer than the source's quantization


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Decodes the quantized, delta-encoded arcs into [lon, lat] lists."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round(x * sx + tx, DIGITS), round(y * sy + ty, DIGITS)))
        out.append(points)
    return out


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[list[float]]:
    ring: list[list[float]] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        ring.extend([list(p) for p in (points if not ring else points[1:])])
    return ring


def _geometry(arcs: list[list[tuple[float, float]]], geom: dict[str, Any]) -> dict[str, Any]:
    if geom["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(arcs, r) for r in geom["arcs"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[_ring(arcs, r) for r in poly] for poly in geom["arcs"]],
    }


def _near_a_region(geometry: dict[str, Any]) -> bool:
    rings = (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [r for poly in geometry["coordinates"] for r in poly]
    )
    for ring in rings:
        for lon, lat in ring:
            for rlat, rlon in REGIONS.values():
                if abs(lat - rlat) < RADIUS_DEG and abs(lon - rlon) < RADIUS_DEG:
                    return True
    return False


def _centre(geometry: dict[str, Any]) -> list[float]:
    ring = (
        geometry["coordinates"][0]
        if geometry["type"] == "Polygon"
        else max((p[0] for p in geometry["coordinates"]), key=len)
    )
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return [round((min(lats) + max(lats)) / 2, DIGITS), round((min(lons) + max(lons)) / 2, DIGITS)]


def basemap_features(topology: dict[str, Any]) -> list[dict[str, Any]]:
    arcs = _arcs(topology)
    features = []
    for geom in topology["objects"]["states"]["geometries"]:
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "state", "name": geom["properties"]["name"]},
                "geometry": _geometry(arcs, geom),
            }
        )
    for geom in topology["objects"]["counties"]["geometries"]:
        geometry = _geometry(arcs, geom)
        if _near_a_region(geometry):
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "layer": "county",
                        "name": geom["properties"]["name"],
                        "label_at": _centre(geometry),
                    },
                    "geometry": geometry,
                }
            )
    return features


def main(argv: list[str]) -> None:
    source, target = Path(argv[0]), Path(argv[1])
    topology = json.loads(source.read_text())
    collection = {
        "type": "FeatureCollection",
        "attribution": "US Census Bureau cartographic boundaries 2017 (public domain), "
        "via us-atlas 3.0.1",
        "features": basemap_features(topology),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(collection, separators=(",", ":")))
    print(f"{target}: {len(collection['features'])} features, {target.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
