"""Access matrix entries for devices (see atd.testing.access)."""

from __future__ import annotations

import itertools

from atd.core.scope import Scope
from atd.devices.services import (
    device_assign,
    device_register,
    phone_tracking_enrol,
    shipment_create,
)
from atd.testing.access import CASE_ROLES, SUPERVISION_ROLES, Rule, participant_ids
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


def _own_participant(world: World, role: str) -> int:
    """A participant the role supervises (an officer fits devices for their own caseload)."""
    inside, _ = participant_ids(world, role)
    assert inside is not None
    return inside


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
            participant_id=_own_participant(world, role),
        )
    outside = _device(world, "b", "smartphone")
    device_assign(
        actor=admin,
        scope=scope,
        device_id=outside,
        participant_id=world.participants["office_b"].pk,
    )
    return inside, outside


def phone_device_ids(world: World, role: str) -> tuple[int | None, int]:
    """A phone enrolled for tracking: one on a participant the role supervises, one in office B."""
    scope = Scope.for_user(world.user("admin"))
    inside = None
    if role in CASE_ROLES:
        inside = phone_tracking_enrol(
            actor=None, scope=scope, participant_id=_own_participant(world, role)
        ).device_id
    outside = phone_tracking_enrol(
        actor=None, scope=scope, participant_id=world.participants["office_b"].pk
    ).device_id
    return inside, outside


# The serial in the in-scope shipment, for the receive body (a body cannot see the ids).
_shipped: dict[str, str] = {}


def _shipment(world: World, office_key: str) -> tuple[int, str]:
    office = world.office_a if office_key == "a" else world.office_b
    serial = f"SH-{next(_n):07d}"
    device, _ = device_register(actor=None, serial=serial, kind="gps_ankle")
    shipment = shipment_create(actor=None, office_id=office.pk, device_ids=[device.pk])
    return shipment.pk, serial


def shipment_ids(world: World, role: str) -> tuple[int | None, int]:
    """Shipments to office A are office A's; the one to office B is outside."""
    inside = None
    if role in CASE_ROLES:
        inside, _shipped["inside"] = _shipment(world, "a")
    outside, _ = _shipment(world, "b")
    return inside, outside


# office_id is declared by scheduling's matrix (office A inside for CASE_ROLES).
OBJECTS = {
    "device_id": device_ids,
    "assigned_device_id": assigned_device_ids,
    "shipment_id": shipment_ids,
    "phone_device_id": phone_device_ids,
}

ENDPOINTS = {
    "GET /api/devices/{device_id}": Rule(roles=CASE_ROLES),
    # Officers fit devices for their own caseload (ADR 0019); the body names officer_a's
    # participant, so a contractor specialist (not their caseload) gets 404, counted as refused.
    "POST /api/devices/{device_id}/assign": Rule(
        roles=SUPERVISION_ROLES | {"case_officer"},
        body=lambda world: {"participant_id": world.participants["officer_a"].pk},
    ),
    "POST /api/devices/{device_id}/credential": Rule(roles=SUPERVISION_ROLES),
    "POST /api/devices/{assigned_device_id}/return": Rule(
        roles=CASE_ROLES, body={"condition": "ok", "reason": "plan stepped down"}
    ),
    "GET /api/devices/shipments/{shipment_id}": Rule(roles=CASE_ROLES),
    # The body names the in-scope shipment's serial: an admin (global scope) posting it to the
    # other shipment passes the access check and gets 422 (not in this shipment).
    "POST /api/devices/shipments/{shipment_id}/receive": Rule(
        roles=SUPERVISION_ROLES,
        body=lambda world: {"serials": [_shipped.get("inside", "none")]},
        ok_statuses=frozenset({200, 422}),
    ),
    "GET /api/devices/offices/{office_id}/stock": Rule(roles=CASE_ROLES),
    "POST /api/devices/offices/{office_id}/stock": Rule(
        roles=SUPERVISION_ROLES, body={"item": "strap", "delta": 5, "reason": "delivery"}
    ),
}

# Console pages (form posts redirect back with a message: 302 is "allowed and worked").
FORM_OK = frozenset({302})
ENDPOINTS.update(
    {
        "GET /devices/<device_id>/": Rule(roles=CASE_ROLES),
        # The set-up QR shows the phone's credential: only whoever fits devices for its wearer.
        "GET /devices/<phone_device_id>/phone-setup/": Rule(roles=CASE_ROLES),
        "POST /devices/<device_id>/assign/": Rule(
            roles=SUPERVISION_ROLES | {"case_officer"},
            body=lambda world: {"participant_id": world.participants["officer_a"].pk},
            content_type="form",
            ok_statuses=FORM_OK,
        ),
        "POST /devices/<assigned_device_id>/return/": Rule(
            roles=CASE_ROLES,
            body={"condition": "ok", "reason": "plan stepped down"},
            content_type="form",
            ok_statuses=FORM_OK,
        ),
        # The replacement is a fresh smartphone on office A's shelf.
        "POST /devices/<assigned_device_id>/swap/": Rule(
            roles=CASE_ROLES,
            body=lambda world: {"new_device_id": _device(world, "a", "smartphone")},
            content_type="form",
            ok_statuses=FORM_OK,
        ),
        "POST /devices/<device_id>/status/": Rule(
            roles=SUPERVISION_ROLES,
            body={"to_status": "retired", "reason": "end of life"},
            content_type="form",
            ok_statuses=FORM_OK,
        ),
        "GET /devices/shipments/<shipment_id>/": Rule(roles=CASE_ROLES),
        # Receiving re-renders the page with the error for a serial of another shipment (the
        # admin's "outside" call), or redirects after a receipt.
        "POST /devices/shipments/<shipment_id>/": Rule(
            roles=SUPERVISION_ROLES,
            body=lambda world: {"serials": _shipped.get("inside", "none")},
            content_type="form",
            ok_statuses=frozenset({200, 302}),
        ),
    }
)
