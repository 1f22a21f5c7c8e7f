"""HTTP API of devices: register, list, assign and return, rotate credentials; shipments
and their receipt; consumable stock per office."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from atd.core.api import principal_of, scope_of
from atd.core.errors import Forbidden
from atd.core.roles import Role
from atd.devices import selectors, services
from atd.devices.access import FITTING_ROLES, INVENTORY_ROLES, VIEW_ROLES

router = Router(tags=["devices"])


class DeviceOut(Schema):
    id: int
    serial: str
    kind: str
    model: str
    firmware: str
    status: str
    office_id: int | None
    participant_id: int | None
    credential_rotated_at: datetime | None


class DeviceIn(Schema):
    serial: str = Field(min_length=1, max_length=64)
    kind: str
    model: str = ""
    firmware: str = ""
    office_id: int | None = None


class DeviceCreatedOut(Schema):
    device: DeviceOut
    secret: str


class AssignIn(Schema):
    participant_id: int


class ReturnIn(Schema):
    condition: str = "ok"
    reason: str = ""


class SecretOut(Schema):
    secret: str


@router.post("", response={201: DeviceCreatedOut})
def device_register(request: HttpRequest, body: DeviceIn) -> Any:
    scope = scope_of(request)
    scope.require(*INVENTORY_ROLES)
    if scope.role == Role.SUPERVISOR and body.office_id != scope.office_id:
        raise Forbidden(detail="a supervisor registers devices for their own office")
    device, secret = services.device_register(
        actor=principal_of(request),
        serial=body.serial,
        kind=body.kind,
        model=body.model,
        firmware=body.firmware,
        office_id=body.office_id,
    )
    return 201, {"device": device, "secret": secret}


@router.get("", response=list[DeviceOut])
def device_list(request: HttpRequest, status: str | None = None, limit: int = 200) -> Any:
    scope = scope_of(request)
    scope.require(*VIEW_ROLES)
    qs = selectors.device_queryset_in_scope(scope).order_by("serial")
    if status:
        qs = qs.filter(status=status)
    return list(qs[: min(max(limit, 1), 1000)])


# --- shipments and consumable stock ---------------------------------------------------------
# Declared before /{device_id}: ninja matches paths in order and a path parameter would take
# "shipments" and "offices".


class ShipmentIn(Schema):
    office_id: int
    device_ids: list[int] = Field(min_length=1, max_length=5000)
    consumables: dict[str, int] = Field(default_factory=dict)


class ShipmentOut(Schema):
    id: int
    office_id: int
    status: str
    device_count: int
    received_count: int
    consumables: dict[str, int]
    shipped_at: datetime
    received_at: datetime | None


class ShipmentLineOut(Schema):
    device_id: int
    serial: str
    kind: str
    received_at: datetime | None


class ShipmentDetailOut(ShipmentOut):
    items: list[ShipmentLineOut]


class ReceiveIn(Schema):
    serials: list[str] = Field(min_length=1, max_length=5000)


class StockOut(Schema):
    office_id: int
    item: str
    quantity: int
    low_threshold: int
    low: bool


class StockAdjustIn(Schema):
    item: str
    delta: int = Field(ge=-100_000, le=100_000)
    reason: str = Field(min_length=1, max_length=200)
    low_threshold: int | None = Field(default=None, ge=0, le=100_000)


def _shipment_detail(shipment: Any) -> dict[str, Any]:
    out = ShipmentOut.model_validate(shipment).model_dump()
    out["items"] = [line.__dict__ for line in selectors.shipment_lines(shipment.pk)]
    return out


@router.post("/shipments", response={201: ShipmentDetailOut})
def shipment_create(request: HttpRequest, body: ShipmentIn) -> Any:
    """Devices leave the warehouse for an office (an admin's action: the warehouse is no
    office's). Each device must be in stock; consumables are counts by item."""
    scope = scope_of(request)
    scope.require(Role.ADMIN)
    selectors.office_in_scope_or_404(scope=scope, office_id=body.office_id)
    shipment = services.shipment_create(
        actor=principal_of(request),
        office_id=body.office_id,
        device_ids=body.device_ids,
        consumables=body.consumables,
    )
    return 201, _shipment_detail(shipment)


@router.get("/shipments", response=list[ShipmentOut])
def shipment_list(request: HttpRequest, status: str | None = None, limit: int = 200) -> Any:
    """Shipments to the caller's office (all for an admin), newest first."""
    scope = scope_of(request)
    scope.require(*VIEW_ROLES)
    qs = selectors.shipment_queryset_in_scope(scope).order_by("-shipped_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return list(qs[: min(max(limit, 1), 1000)])


@router.get("/shipments/{shipment_id}", response=ShipmentDetailOut)
def shipment_detail(request: HttpRequest, shipment_id: int) -> Any:
    scope = scope_of(request)
    scope.require(*VIEW_ROLES)
    return _shipment_detail(selectors.shipment_get_in_scope(scope=scope, shipment_id=shipment_id))


@router.post("/shipments/{shipment_id}/receive", response=ShipmentDetailOut)
def shipment_receive(request: HttpRequest, shipment_id: int, body: ReceiveIn) -> Any:
    """Receipt serial by serial at the receiving office; a serial received twice changes
    nothing, a serial not in the shipment is a 422 and nothing of the request is recorded."""
    scope = scope_of(request)
    scope.require(*INVENTORY_ROLES)
    selectors.shipment_get_in_scope(scope=scope, shipment_id=shipment_id)
    shipment = services.shipment_receive(
        actor=principal_of(request), shipment_id=shipment_id, serials=body.serials
    )
    return _shipment_detail(shipment)


@router.get("/offices/{office_id}/stock", response=list[StockOut])
def stock_for_office(request: HttpRequest, office_id: int) -> Any:
    """Straps and chargers in stock at an office, each with its low-stock threshold."""
    scope = scope_of(request)
    scope.require(*VIEW_ROLES)
    return [
        s.__dict__ for s in selectors.consumable_stock_for_office(scope=scope, office_id=office_id)
    ]


@router.post("/offices/{office_id}/stock", response=list[StockOut])
def stock_adjust(request: HttpRequest, office_id: int, body: StockAdjustIn) -> Any:
    """Adds (delivery) or removes (issued, lost) stock with a reason, optionally setting the
    threshold; crossing below the threshold raises one low_stock alert for the office. Stock
    never goes below zero (409)."""
    scope = scope_of(request)
    scope.require(*INVENTORY_ROLES)
    selectors.office_in_scope_or_404(scope=scope, office_id=office_id)
    services.consumable_adjust(
        actor=principal_of(request),
        office_id=office_id,
        item=body.item,
        delta=body.delta,
        reason=body.reason,
        low_threshold=body.low_threshold,
    )
    return [
        s.__dict__ for s in selectors.consumable_stock_for_office(scope=scope, office_id=office_id)
    ]


@router.get("/{device_id}", response=DeviceOut)
def device_detail(request: HttpRequest, device_id: int) -> Any:
    scope = scope_of(request)
    scope.require(*VIEW_ROLES)
    return selectors.device_get_in_scope(scope=scope, device_id=device_id)


@router.post("/{device_id}/assign", response=DeviceOut)
def device_assign(request: HttpRequest, device_id: int, body: AssignIn) -> Any:
    scope = scope_of(request)
    scope.require(*FITTING_ROLES)
    return services.device_assign(
        actor=principal_of(request),
        scope=scope,
        device_id=device_id,
        participant_id=body.participant_id,
    )


@router.post("/{assigned_device_id}/return", response=DeviceOut)
def device_return(request: HttpRequest, assigned_device_id: int, body: ReturnIn) -> Any:
    scope = scope_of(request)
    scope.require(*FITTING_ROLES)
    return services.device_return(
        actor=principal_of(request),
        scope=scope,
        device_id=assigned_device_id,
        condition=body.condition,
        reason=body.reason,
    )


@router.post("/{device_id}/credential", response=SecretOut)
def device_credential_rotate(request: HttpRequest, device_id: int) -> Any:
    scope = scope_of(request)
    scope.require(*INVENTORY_ROLES)
    secret = services.device_credential_rotate(
        actor=principal_of(request), scope=scope, device_id=device_id
    )
    return {"secret": secret}
