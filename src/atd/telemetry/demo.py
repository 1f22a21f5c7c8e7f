"""The telemetry part of `make demo`: devices on some demo participants, home zones and
curfews, two hours of history through the pipeline, and a live simulation process."""

from __future__ import annotations

import json
import os
import random
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from atd.core import clock
from atd.core.actors import Actor
from atd.core.errors import Conflict
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.core.services_probe import service_answers
from atd.devices.services import device_assign, device_register
from atd.people.selectors import case_routing_for_participants, office_list
from atd.supervision.services import curfew_create, zone_create
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.telemetry.simulate import SimDevice, offset, sim_device, track

SEED_ACTOR = Actor(id=None, label="demo-seed", role=Role.ADMIN)
ADMIN_SCOPE = Scope.system()
KINDS = ("gps_ankle", "wrist", "smartphone")
DEFAULT_CENTER = (29.7604, -95.3698)


def demo_devices_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_devices.json"


def demo_devices_load() -> list[SimDevice]:
    path = demo_devices_file()
    if not path.exists():
        return []
    return [
        SimDevice(
            d["serial"],
            d["secret"],
            tuple(d["home"]),
            tuple(d["work"]),
            d["utc_offset_h"],
            seed=d["seed"],
        )
        for d in json.loads(path.read_text())
    ]


def demo_devices_seed(
    participant_ids: list[int], *, count: int, rng: random.Random
) -> list[SimDevice]:
    """Registers and assigns `count` devices, with a home zone, a metro area and a night
    curfew per wearer; 1 in 10 also gets an exclusion zone over a place on their way."""
    routing = case_routing_for_participants(participant_ids)
    offices = {o.pk: o for o in office_list()}
    existing = demo_devices_load()
    sims: list[SimDevice] = list(existing)
    taken = len(existing)
    for pid in participant_ids:
        if len(sims) >= count:
            break
        if pid not in routing:
            continue
        office = offices.get(routing[pid].office_id)
        center = (
            (office.latitude, office.longitude)
            if office is not None and office.latitude is not None and office.longitude is not None
            else DEFAULT_CENTER
        )
        tz = office.timezone if office is not None else "America/Chicago"
        kind = KINDS[len(sims) % len(KINDS)]
        device, secret = device_register(
            actor=SEED_ACTOR,
            serial=f"DEMO-{kind[:3].upper()}-{len(sims) + 1:05d}",
            kind=kind,
            model={"gps_ankle": "AM-3", "wrist": "WR-2", "smartphone": "Android app"}[kind],
            firmware="1.4.2",
            office_id=office.pk if office is not None else None,
        )
        try:
            device_assign(
                actor=SEED_ACTOR, scope=ADMIN_SCOPE, device_id=device.pk, participant_id=pid
            )
        except Conflict:  # already wears a device of this kind: pick someone else
            continue
        sim = sim_device(device.serial, secret, center, rng)
        sim.utc_offset_h = -6 if "Chicago" in tz else (-5 if "New_York" in tz else -6)
        home = zone_create(
            actor=SEED_ACTOR,
            scope=ADMIN_SCOPE,
            participant_id=pid,
            name="Home",
            kind="inclusion",
            purpose="home",
            center_lat=sim.home[0],
            center_lon=sim.home[1],
            radius_m=150,
        )
        zone_create(
            actor=SEED_ACTOR,
            scope=ADMIN_SCOPE,
            participant_id=pid,
            name="Metro area",
            kind="inclusion",
            purpose="area",
            center_lat=center[0],
            center_lon=center[1],
            radius_m=40_000,
        )
        curfew_create(
            actor=SEED_ACTOR,
            scope=ADMIN_SCOPE,
            participant_id=pid,
            zone_id=home.pk,
            weekdays=list(range(7)),
            start=time(22, 0),
            end=time(6, 0),
            timezone=tz,
        )
        if len(sims) % 10 == 3:
            lat, lon = offset(sim.work, 400, 400)
            ring = [
                offset((lat, lon), n, e)
                for n, e in ((-250, -250), (-250, 250), (250, 250), (250, -250), (-250, -250))
            ]
            zone_create(
                actor=SEED_ACTOR,
                scope=ADMIN_SCOPE,
                participant_id=pid,
                name="Excluded address",
                kind="exclusion",
                purpose="excluded",
                polygon=[[p[1], p[0]] for p in ring],
            )
        sims.append(sim)
    _save(sims)
    return sims[taken:]


def _save(sims: list[SimDevice]) -> None:
    path = demo_devices_file()
    path.write_text(
        json.dumps(
            [
                {
                    "serial": s.serial,
                    "secret": s.secret,
                    "home": s.home,
                    "work": s.work,
                    "utc_offset_h": s.utc_offset_h,
                    "seed": s.seed,
                }
                for s in sims
            ]
        )
    )
    os.chmod(path, 0o600)  # device secrets: readable by the demo's own user only


def demo_history(sims: list[SimDevice], *, hours: float, tamper_every: int = 17) -> int:
    """Sends `hours` of history for every device through the pipeline, in 10-minute batches."""
    end = clock.now().replace(second=0, microsecond=0)
    start = end - timedelta(hours=hours)
    records: list[dict[str, Any]] = []
    for i, sim in enumerate(sims):
        records.extend(
            track(sim, start, hours, tamper_rate=0.002 if i % tamper_every == 0 else 0.0)
        )
    records.sort(key=lambda r: r["time"])
    accepted = 0
    for k in range(0, len(records), 5000):
        result = pipeline_run(submissions=[Submission(records[k : k + 5000])], via="http")
        accepted += result.accepted
    return accepted


def telemetry_demo_seed(ctx: dict[str, Any]) -> None:
    rng = random.Random(2026)  # noqa: S311 (synthetic, seeded)
    count = int(os.environ.get("ATD_DEMO_DEVICES", "60"))
    sims = demo_devices_seed(list(ctx.get("participants", [])), count=count, rng=rng)
    demo_history(sims, hours=2)


def telemetry_demo_processes() -> list[list[str]]:
    """The MQTT ingest worker when a broker answers, and the live simulation (through MQTT
    then, else straight into the pipeline) so the console shows moving devices."""
    if service_answers("mqtt"):
        return [
            ["manage", "ingest_mqtt", "--client-id", "atd-demo-ingest"],
            ["manage", "simulate_devices", "--live", "--via", "mqtt"],
        ]
    return [["manage", "simulate_devices", "--live", "--via", "direct"]]


def participants_without_devices() -> list[int]:
    """Participants with a case, in id order (the simulator picks wearers from these)."""
    routing = case_routing_for_participants(_all_participant_ids())
    return sorted(routing)


def _all_participant_ids() -> list[int]:
    from atd.people.selectors import participant_ids_in_scope

    return list(participant_ids_in_scope(ADMIN_SCOPE).values_list("pk", flat=True))
