"""Access matrix entries for devices (see atd.testing.access)."""

from __future__ import annotations

import itertools

from atd.core.scope import Scope
from atd.devices.services import device_assign, device_register
from atd.testing.access import CASE_ROLES, SUPERVISION_ROLES, Rule
from atd.testing.world import World

_n = itertools.count(1)


def _device(world: World, office_key: str, kind: str) -> int:
    office = world.office_a if office_key == "a" else world.office_b
    device, _ = device_register(
        actor=None, serial=f"AM-{next(_n):07d}", kind=kind, office_id=office.pk
    )
    return device.pk


def device_ids(world: World, role: str) -> tuple[int | None, int]:
    """Office A's stock is visible to office A staff; office B's is the outside one."""
    inside = _device(world, "a", "gps_ankle") if role in CASE_ROLES else None
    return inside, _device(world, "b", "wrist")


def assigned_device_ids(world: World, role: str) -> tuple[int | None, int]:
    admin = world.user("admin")
    scope = Scope.for_user(admin)
    inside = None
    if role in CASE_ROLES:
        inside = _device(world, "a", "smartphone")
        device_assign(
            actor=admin,
            scope=scope,
            device_id=inside,
            participant_id=world.participants["officer_a"].pk,
        )
    outside = _device(world, "b", "smartphone")
    device_assign(
        actor=admin,
        scope=scope,
        device_id=outside,
        participant_id=world.participants["office_b"].pk,
    )
    return inside, outside


OBJECTS = {"device_id": device_ids, "assigned_device_id": assigned_device_ids}

ENDPOINTS = {
    "GET /api/devices/{device_id}": Rule(roles=CASE_ROLES),
    "POST /api/devices/{device_id}/assign": Rule(
        roles=SUPERVISION_ROLES,
        body=lambda world: {"participant_id": world.participants["officer_a"].pk},
    ),
    "POST /api/devices/{device_id}/credential": Rule(roles=SUPERVISION_ROLES),
    "POST /api/devices/{assigned_device_id}/return": Rule(
        roles=SUPERVISION_ROLES, body={"condition": "ok", "reason": "plan stepped down"}
    ),
}
