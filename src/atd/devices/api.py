"""HTTP API of devices: register, list, assign and return, rotate credentials."""

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

router = Router(tags=["devices"])
INVENTORY_ROLES = (Role.SUPERVISOR, Role.ADMIN)
VIEW_ROLES = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


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


@router.get("/{device_id}", response=DeviceOut)
def device_detail(request: HttpRequest, device_id: int) -> Any:
    scope = scope_of(request)
    scope.require(*VIEW_ROLES)
    return selectors.device_get_in_scope(scope=scope, device_id=device_id)


@router.post("/{device_id}/assign", response=DeviceOut)
def device_assign(request: HttpRequest, device_id: int, body: AssignIn) -> Any:
    scope = scope_of(request)
    scope.require(*INVENTORY_ROLES)
    return services.device_assign(
        actor=principal_of(request),
        scope=scope,
        device_id=device_id,
        participant_id=body.participant_id,
    )


@router.post("/{assigned_device_id}/return", response=DeviceOut)
def device_return(request: HttpRequest, assigned_device_id: int, body: ReturnIn) -> Any:
    scope = scope_of(request)
    scope.require(*INVENTORY_ROLES)
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
