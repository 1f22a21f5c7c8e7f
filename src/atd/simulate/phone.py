"""The demo's tracked phone: one participant's phone enrolled for tracking (as an officer does
from the participant page) and reports sent as Traccar Client sends them, an OsmAnd GET with
the app's own parameters, over real HTTP to the running server."""

from __future__ import annotations

import json
import math
import random
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from atd.core.actors import Actor
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.devices.selectors import devices_for_participants
from atd.devices.services import phone_tracking_enrol
from atd.people.selectors import case_routing_for_participants, office_list

SEED_ACTOR = Actor(id=None, label="demo-seed", role=Role.ADMIN)
DEFAULT_URL = "http://127.0.0.1:8000/api/telemetry/osmand"
DEFAULT_HOME = (29.7604, -95.3698)


@dataclass(frozen=True)
class DemoPhone:
    participant_id: int
    device_id: int
    identifier: str
    home: tuple[float, float]


def demo_phone_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_phone.json"


def demo_phone_load() -> DemoPhone | None:
    path = demo_phone_file()
    if not path.exists():
        return None
    d = json.loads(path.read_text())
    return DemoPhone(d["participant_id"], d["device_id"], d["identifier"], tuple(d["home"]))


def demo_phone_enrol(participant_ids: list[int]) -> DemoPhone | None:
    """Enrols the phone of the first participant with a case (the portal's demo participant
    when eligible) who carries no smartphone yet, so no simulated device is disturbed."""
    routing = case_routing_for_participants(participant_ids)
    worn = devices_for_participants(list(routing))
    chosen = next(
        (
            p
            for p in participant_ids
            if p in routing and not any(d.kind == "smartphone" for d in worn.get(p, []))
        ),
        None,
    )
    if chosen is None:
        return None
    enrolment = phone_tracking_enrol(actor=SEED_ACTOR, scope=Scope.system(), participant_id=chosen)
    office = {o.pk: o for o in office_list()}.get(routing[chosen].office_id)
    home = DEFAULT_HOME
    if office is not None and office.latitude is not None and office.longitude is not None:
        home = (office.latitude + 0.03, office.longitude - 0.02)
    phone = DemoPhone(chosen, enrolment.device_id, enrolment.identifier, home)
    path = demo_phone_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "participant_id": phone.participant_id,
                "device_id": phone.device_id,
                "identifier": phone.identifier,
                "home": list(phone.home),
            }
        )
    )
    path.chmod(0o600)  # the identifier is the phone's credential
    return phone


def demo_phone_seed(ctx: dict[str, Any]) -> None:
    phone = demo_phone_enrol(list(ctx.get("participants", [])))
    if phone is not None:
        ctx["demo_phone"] = phone


def demo_phone_processes() -> list[list[str]]:
    if demo_phone_load() is None:
        return []
    return [["manage", "simulate_phone", "--live"]]


def traccar_client_query(
    *,
    identifier: str,
    at: datetime,
    lat: float,
    lon: float,
    accuracy_m: float,
    battery_pct: float,
    charging: bool,
    speed_knots: float = 0.0,
    bearing: float = 0.0,
    altitude: float = 0.0,
    moving: bool | None = None,
) -> dict[str, str]:
    """The query Traccar Client puts on its GET (ProtocolFormatter.formatRequest of Traccar
    Client for Android 7.9, traccar-client-android commit 190ad19): id, timestamp (Unix
    seconds), lat, lon, speed (knots), bearing, altitude, accuracy, batt, `charge=true` only
    while charging; plus `motion`, which newer trackers send."""
    query = {
        "id": identifier,
        "timestamp": str(int(at.timestamp())),
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "speed": f"{speed_knots:.1f}",
        "bearing": f"{bearing:.1f}",
        "altitude": f"{altitude:.1f}",
        "accuracy": f"{accuracy_m:.1f}",
        "batt": f"{battery_pct:.1f}",
    }
    if charging:
        query["charge"] = "true"
    if moving is not None:
        query["motion"] = "true" if moving else "false"
    return query


def phone_report_send(url: str, query: dict[str, str], *, timeout_s: float = 10.0) -> int:
    """One report over HTTP, as the app sends it; the HTTP status (0 when unreachable)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("the tracker URL is http or https")
    full = f"{url}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(full, timeout=timeout_s) as response:  # noqa: S310 (scheme checked)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


@dataclass
class PhoneWalk:
    """A phone's day in small steps: a slow random walk around home, the battery draining
    while out and charging at night, accuracy that varies, and motion as the app reports it."""

    home: tuple[float, float]
    rng: random.Random
    lat: float = 0.0
    lon: float = 0.0
    battery: float = 86.0
    heading: float = 0.0

    def __post_init__(self) -> None:
        self.lat, self.lon = self.home

    def step(self, at: datetime, seconds: float) -> dict[str, Any]:
        night = at.hour >= 22 or at.hour < 6
        moving = not night and self.rng.random() < 0.6
        speed_mps = self.rng.uniform(0.8, 1.6) if moving else 0.0
        if moving:
            self.heading = (self.heading + self.rng.uniform(-40, 40)) % 360
            metres = speed_mps * seconds
            self.lat += metres * math.cos(math.radians(self.heading)) / 111_320
            self.lon += (
                metres
                * math.sin(math.radians(self.heading))
                / (111_320 * math.cos(math.radians(self.lat)))
            )
            # Never wander more than ~2 km from home.
            if abs(self.lat - self.home[0]) > 0.02 or abs(self.lon - self.home[1]) > 0.02:
                self.heading = (self.heading + 180) % 360
        charging = night and self.battery < 100
        self.battery = min(100.0, self.battery + 0.5) if charging else max(3.0, self.battery - 0.1)
        return {
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.rng.uniform(4, 25),
            "battery_pct": round(self.battery),
            "charging": charging,
            "speed_knots": speed_mps * 1.943844,
            "bearing": self.heading,
            "altitude": 12.0,
            "moving": moving,
        }
