"""The devices part of `make demo`: spare devices on each office's shelf (ready to assign from
the participant page) and one shipment per office still in transit (to receive by serial)."""

from __future__ import annotations

from typing import Any

from atd.core.actors import Actor
from atd.core.roles import Role
from atd.devices.models import Device
from atd.devices.services import device_register, shipment_create
from atd.people.selectors import office_list

SEED_ACTOR = Actor(id=None, label="demo-seed", role=Role.ADMIN)
SHELF = (("gps_ankle", 3), ("wrist", 3), ("smartphone", 2))
IN_TRANSIT = (("gps_ankle", 4), ("wrist", 4))
MODELS = {"gps_ankle": "AM-3", "wrist": "WR-2", "smartphone": "Android app"}


def devices_demo_seed(ctx: dict[str, Any]) -> None:
    if Device.objects.filter(serial__startswith="SPARE-").exists():
        return  # seeded before
    for office in office_list().order_by("pk"):
        n = 0
        for kind, count in SHELF:
            for _ in range(count):
                n += 1
                device_register(
                    actor=SEED_ACTOR,
                    serial=f"SPARE-{office.code}-{n:03d}",
                    kind=kind,
                    model=MODELS[kind],
                    firmware="1.4.2",
                    office_id=office.pk,
                )
        shipped = []
        for kind, count in IN_TRANSIT:
            for _ in range(count):
                n += 1
                device, _secret = device_register(
                    actor=SEED_ACTOR,
                    serial=f"SHIP-{office.code}-{n:03d}",
                    kind=kind,
                    model=MODELS[kind],
                    firmware="1.5.0",
                )
                shipped.append(device.pk)
        shipment_create(
            actor=SEED_ACTOR,
            office_id=office.pk,
            device_ids=shipped,
            consumables={"strap": 10, "charger": 5},
        )
