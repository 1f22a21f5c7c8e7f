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
        serial, secret, home, work, battery=rng.uniform(40, 100), seed=rng.randrange(1 << 30)
    )


def _where(device: SimDevice, local_hour: float, rng: random.Random) -> tuple[float, float]:
    """The routine: home at night, commute, work, an errand some evenings, home."""
    if local_hour < 7.5 or local_hour >= 21:
        return device.home
    if local_hour < 8.5:  # commuting out
        f = local_hour - 7.5
        return _between(device.home, device.work, f)
    if local_hour < 17:
        return device.work
    if local_hour < 18:
        return _between(device.work, device.home, local_hour - 17)
    if device.errand is None and rng.random() < 0.01:
        device.errand = offset(device.home, rng.uniform(-1500, 1500), rng.uniform(-1500, 1500))
    if device.errand is not None and local_hour < 19.5:
        return device.errand
    device.errand = None
    return device.home


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
        base = _where(device, local_hour, rng)
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
