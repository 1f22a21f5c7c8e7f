"""Synthetic device tracks: home / work / errands, GPS noise and gaps, drift near zone edges,
a small rate of tamper and dead-battery events. Used by the demo, the tests and the benchmark.

Everything is derived from a seeded random generator, so a run can be reproduced.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

M_PER_DEG = 111_320.0


@dataclass
class SimDevice:
    serial: str
    secret: str
    home: tuple[float, float]
    work: tuple[float, float]
    utc_offset_h: int = -6  # local time drives the day's routine
    battery: float = 100.0
    seed: int = 0
    errand: tuple[float, float] | None = None
    state: dict[str, Any] = field(default_factory=dict)
    office: tuple[float, float] | None = None  # the field office: an occasional visit

    @property
    def breaks_curfew(self) -> bool:
        """About 1 wearer in 9 is sometimes out late (a curfew violation on the map)."""
        return self.seed % 9 == 4


def offset(point: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    lat, lon = point
    return (
        lat + north_m / M_PER_DEG,
        lon + east_m / (M_PER_DEG * math.cos(math.radians(lat))),
    )


def sim_device(
    serial: str, secret: str, center: tuple[float, float], rng: random.Random
) -> SimDevice:
    """A device whose wearer lives within ~8 km of `center` and works 2-10 km from home."""
    home = offset(center, rng.uniform(-8000, 8000), rng.uniform(-8000, 8000))
    angle = rng.uniform(0, 2 * math.pi)
    distance = rng.uniform(2000, 10000)
    work = offset(home, distance * math.sin(angle), distance * math.cos(angle))
    return SimDevice(
        serial,
        secret,
        home,
        work,
        battery=rng.uniform(40, 100),
        seed=rng.randrange(1 << 30),
        office=center,
    )


def commute_corner(device: SimDevice) -> tuple[float, float]:
    """Where the way to work turns: streets run north-south then east-west (see _route)."""
    return (device.work[0], device.home[1])


def _where(
    device: SimDevice, local_hour: float, rng: random.Random, day: int = 0
) -> tuple[float, float]:
    """The routine: home at night, commute along the streets, work (with a visit to the
    field office about one weekday in seven), an errand some evenings, home; a few wearers
    are out late some nights (curfew)."""
    if device.breaks_curfew and (day + device.seed) % 3 == 0 and 22.25 <= local_hour < 23.5:
        if device.errand is None:
            device.errand = offset(device.home, rng.uniform(-2500, 2500), rng.uniform(-2500, 2500))
        return device.errand
    if local_hour < 7.5 or local_hour >= 21:
        return device.home
    if local_hour < 8.5:  # commuting out
        f = local_hour - 7.5
        return _route(device.home, device.work, f, lat_first=True)
    if local_hour < 17:
        if device.office is not None and (day + device.seed) % 7 == 0 and 10 <= local_hour < 11:
            return device.office
        return device.work
    if local_hour < 18:
        return _route(device.work, device.home, local_hour - 17, lat_first=False)
    if device.errand is None and rng.random() < 0.01:
        device.errand = offset(device.home, rng.uniform(-1500, 1500), rng.uniform(-1500, 1500))
    if device.errand is not None and local_hour < 19.5:
        return device.errand
    device.errand = None
    return device.home


def _route(
    a: tuple[float, float], b: tuple[float, float], f: float, *, lat_first: bool
) -> tuple[float, float]:
    """Fraction f of the way from a to b along two streets, one north-south and one east-west.
    Out from home the north-south leg comes first, back from work the east-west one, so both
    ways turn at the same corner (commute_corner) and the track draws an L."""
    f = min(1.0, max(0.0, f))
    corner = (b[0], a[1]) if lat_first else (a[0], b[1])
    first = abs(corner[0] - a[0]) + abs(corner[1] - a[1])
    total = first + abs(b[0] - corner[0]) + abs(b[1] - corner[1])
    split = first / total if total else 1.0
    if f <= split:
        return _between(a, corner, f / split if split else 1.0)
    return _between(corner, b, (f - split) / (1 - split))


def _between(a: tuple[float, float], b: tuple[float, float], f: float) -> tuple[float, float]:
    f = min(1.0, max(0.0, f))
    return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)


def track(
    device: SimDevice,
    start: datetime,
    hours: float,
    *,
    step_s: int = 60,
    tamper_rate: float = 0.0005,
    gap_rate: float = 0.002,
    with_secret: bool = True,
) -> Iterator[dict[str, Any]]:
    """Canonical telemetry records (positions and device events) for one device, in time order."""
    rng = random.Random(device.seed ^ int(start.timestamp()))  # noqa: S311 (synthetic, seeded)
    steps = int(hours * 3600 / step_s)
    skip_until = -1
    for i in range(steps):
        at = start + timedelta(seconds=i * step_s)
        if i < skip_until:
            continue
        if rng.random() < gap_rate:  # a gap: tunnel, basement, phone off
            skip_until = i + rng.randint(5, 30)
            continue
        local_hour = ((at.hour + device.utc_offset_h) % 24) + at.minute / 60
        day = (at + timedelta(hours=device.utc_offset_h)).toordinal()
        base = _where(device, local_hour, rng, day)
        accuracy = rng.choice((5.0, 8.0, 10.0, 15.0, 25.0))
        noise = rng.gauss(0, accuracy / 2)
        lat, lon = offset(base, noise, rng.gauss(0, accuracy / 2))
        if rng.random() < 0.01:  # drift: indoor multipath pushes the fix a couple hundred metres
            lat, lon = offset((lat, lon), rng.uniform(-250, 250), rng.uniform(-250, 250))
        charging = local_hour < 6 or local_hour >= 23
        device.battery = min(100.0, device.battery + 0.5) if charging else device.battery - 0.02
        if device.battery <= 0:
            device.battery = 0.0
        record: dict[str, Any] = {
            "device": device.serial,
            "seq": int(at.timestamp()),
            "time": at.isoformat(),
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "accuracy": accuracy,
            "speed": round(abs(rng.gauss(0, 0.5)), 2),
            "battery": int(device.battery),
        }
        if with_secret:
            record["key"] = device.secret
        yield record
        if rng.random() < tamper_rate:
            event = {
                "device": device.serial,
                "event": "strap_open",
                "time": (at + timedelta(seconds=1)).isoformat(),
            }
            if with_secret:
                event["key"] = device.secret
            yield event
