"""Writes for devices: registration, credentials, shipments, assignment and return, stock.

Each service is one transaction with one audit entry; low-stock alerts join that transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertEvidence, AlertKind
from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.scope import Scope
from atd.devices.choices import (
    Consumable,
    CredentialMode,
    DeviceKind,
    DeviceStatus,
    ShipmentStatus,
)
from atd.devices.models import (
    ConsumableStock,
    Device,
    DeviceAssignment,
    DeviceStatusChange,
    Shipment,
    ShipmentItem,
)
from atd.devices.rules import (
    PHONE_ID_BYTES,
    credential_hash,
    device_transition_problem,
    phone_identifier,
    stock_is_low,
)
from atd.devices.selectors import device_get_in_scope
from atd.people.selectors import (
    case_routing_for_participants,
    office_list,
    participant_exists_in_scope,
    participant_get_in_scope,
)
from atd.supervision.services import device_change_tasks_complete, device_returns_complete


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _move(device: Device, to_status: str, *, actor: Any, reason: str = "") -> None:
    problem = device_transition_problem(device.status, to_status)
    if problem:
        raise Conflict(detail=problem)
    DeviceStatusChange.objects.create(
        device=device,
        from_status=device.status,
        to_status=to_status,
        office_id=device.office_id,
        participant_id=device.participant_id,
        reason=reason[:300],
        actor_label=actor_for(actor).label,
        at=clock.now(),
    )
    device.status = to_status


@transaction.atomic
def device_register(
    *,
    actor: Any,
    serial: str,
    kind: str,
    model: str = "",
    firmware: str = "",
    office_id: int | None = None,
) -> tuple[Device, str]:
    """Adds a device to stock (office None = the warehouse) and returns its first secret. The
    secret is shown once; only its hash is kept."""
    if kind not in DeviceKind.values:
        raise ValidationFailed(errors=[FieldError(field="kind", reason=f"unknown kind {kind}")])
    serial = serial.strip()
    if not serial or len(serial) > 64:
        raise ValidationFailed(errors=[FieldError(field="serial", reason="1 to 64 characters")])
    if office_id is not None and not office_list().filter(pk=office_id).exists():
        raise ValidationFailed(errors=[FieldError(field="office_id", reason="no such office")])
    secret = _new_secret()
    now = clock.now()
    try:
        with transaction.atomic():
            device = Device.objects.create(
                serial=serial,
                kind=kind,
                model=model[:64],
                firmware=firmware[:32],
                status=DeviceStatus.RECEIVED if office_id else DeviceStatus.IN_STOCK,
                office_id=office_id,
                credential_hash=credential_hash(secret),
                credential_rotated_at=now,
                created_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(detail=f"a device with serial {serial} exists") from exc
    audit_record(
        actor=actor, action="device.register", object_type="device", object_ids=[device.pk]
    )
    return device, secret


@transaction.atomic
def device_credential_rotate(*, actor: Any, scope: Scope, device_id: int) -> str:
    """Issues a new secret; the old one stops working at commit. An enrolled phone's credential
    is its identifier, so it gets a new identifier (its serial), returned as the secret."""
    device = device_get_in_scope(scope=scope, device_id=device_id, for_update=True)
    fields = ["credential_hash", "credential_rotated_at"]
    if device.credential_mode == CredentialMode.IDENTIFIER:
        secret = phone_identifier(secrets.token_bytes(PHONE_ID_BYTES))
        device.serial = secret
        fields.append("serial")
    else:
        secret = _new_secret()
    device.credential_hash = credential_hash(secret)
    device.credential_rotated_at = clock.now()
    device.save(update_fields=fields)
    audit_record(
        actor=actor, action="device.credential_rotate", object_type="device", object_ids=[device.pk]
    )
    return secret


@dataclass(frozen=True)
class PhoneEnrolment:
    device_id: int
    identifier: str  # the phone's serial, which is also its credential
    reissued: bool  # True: an enrolled phone got a new identifier (the old one stops working)


@transaction.atomic
def phone_tracking_enrol(*, actor: Any, scope: Scope, participant_id: int) -> PhoneEnrolment:
    """Enrols the participant's own phone for continuous tracking with a standard tracker app
    (Traccar Client): a device of kind smartphone whose unguessable identifier is its
    credential (the app cannot send a key), assigned to the participant. If the participant
    already has a smartphone device, it gets a new identifier instead (a new or reset phone;
    a phone enrolled before with a serial and key moves to identifier mode), and the old
    identifier stops working at commit. Nothing expires: the phone reports for as long as the
    device stays assigned, i.e. as long as the plan keeps it."""
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    identifier = phone_identifier(secrets.token_bytes(PHONE_ID_BYTES))
    now = clock.now()
    current = (
        Device.objects.select_for_update()
        .filter(participant_id=participant.pk, kind=DeviceKind.SMARTPHONE)
        .first()
    )
    if current is not None:
        device_get_in_scope(scope=scope, device_id=current.pk)  # the office's device only
        current.serial = identifier
        current.credential_mode = CredentialMode.IDENTIFIER
        current.credential_hash = credential_hash(identifier)
        current.credential_rotated_at = now
        current.model = current.model or "Traccar Client"
        current.save(
            update_fields=[
                "serial",
                "credential_mode",
                "credential_hash",
                "credential_rotated_at",
                "model",
            ]
        )
        audit_record(
            actor=actor,
            action="device.phone_reenrol",
            object_type="device",
            object_ids=[current.pk],
            reason=f"participant {participant.pk}: new tracker identifier",
        )
        return PhoneEnrolment(device_id=current.pk, identifier=identifier, reissued=True)
    routing = case_routing_for_participants([participant.pk]).get(participant.pk)
    if routing is None:
        raise Conflict(detail="the participant has no case, so no office to enrol the phone at")
    device = Device.objects.create(
        serial=identifier,
        kind=DeviceKind.SMARTPHONE,
        model="Traccar Client",
        status=DeviceStatus.RECEIVED,
        office_id=routing.office_id,
        credential_hash=credential_hash(identifier),
        credential_mode=CredentialMode.IDENTIFIER,
        credential_rotated_at=now,
        created_at=now,
    )
    DeviceStatusChange.objects.create(
        device=device,
        from_status="",
        to_status=DeviceStatus.RECEIVED,
        office_id=routing.office_id,
        reason="participant's own phone, enrolled for tracking",
        actor_label=actor_for(actor).label,
        at=now,
    )
    audit_record(
        actor=actor,
        action="device.phone_enrol",
        object_type="device",
        object_ids=[device.pk],
        reason=f"participant {participant.pk}",
    )
    device_assign(actor=actor, scope=scope, device_id=device.pk, participant_id=participant.pk)
    return PhoneEnrolment(device_id=device.pk, identifier=identifier, reissued=False)


@transaction.atomic
def shipment_create(
    *,
    actor: Any,
    office_id: int,
    device_ids: Iterable[int],
    consumables: dict[str, int] | None = None,
) -> Shipment:
    ids = sorted(set(device_ids))
    devices = list(Device.objects.select_for_update().filter(pk__in=ids))
    if len(devices) != len(ids):
        raise NotFound(detail="some devices do not exist")
    for item, count in (consumables or {}).items():
        if item not in Consumable.values or count < 0:
            raise ValidationFailed(errors=[FieldError(field=f"consumables.{item}", reason="bad")])
    now = clock.now()
    shipment = Shipment.objects.create(
        office_id=office_id,
        device_count=len(devices),
        consumables=consumables or {},
        shipped_at=now,
    )
    for device in devices:
        _move(device, DeviceStatus.SHIPPED, actor=actor, reason=f"shipment {shipment.pk}")
        device.office_id = office_id
        device.save(update_fields=["status", "office_id"])
    ShipmentItem.objects.bulk_create([ShipmentItem(shipment=shipment, device=d) for d in devices])
    audit_record(
        actor=actor, action="shipment.create", object_type="shipment", object_ids=[shipment.pk]
    )
    return shipment


@transaction.atomic
def shipment_receive(*, actor: Any, shipment_id: int, serials: Iterable[str]) -> Shipment:
    """Records receipt serial by serial; a serial not in the shipment is an error. When the last
    device arrives the shipment is complete and its consumables join the office's stock."""
    shipment = Shipment.objects.select_for_update().filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFound()
    wanted = {s.strip() for s in serials}
    items = list(
        ShipmentItem.objects.select_related("device").filter(
            shipment=shipment, device__serial__in=wanted
        )
    )
    unknown = wanted - {i.device.serial for i in items}
    if unknown:
        raise ValidationFailed(
            errors=[
                FieldError(field="serials", reason=f"not in this shipment: {s}") for s in unknown
            ]
        )
    now = clock.now()
    for item in items:
        if item.received_at is not None:
            continue  # receiving the same serial twice changes nothing
        _move(item.device, DeviceStatus.RECEIVED, actor=actor, reason=f"shipment {shipment.pk}")
        item.device.save(update_fields=["status"])
        item.received_at = now
        item.save(update_fields=["received_at"])
        shipment.received_count += 1
    complete = shipment.received_count >= shipment.device_count
    shipment.status = ShipmentStatus.RECEIVED if complete else ShipmentStatus.PARTIAL
    if complete and shipment.received_at is None:
        shipment.received_at = now
        for item_name, count in shipment.consumables.items():
            _stock_change(shipment.office_id, item_name, int(count))
    shipment.save(update_fields=["status", "received_count", "received_at"])
    audit_record(
        actor=actor, action="shipment.receive", object_type="shipment", object_ids=[shipment.pk]
    )
    return shipment


@transaction.atomic
def device_assign(*, actor: Any, scope: Scope, device_id: int, participant_id: int) -> Device:
    """Puts a device on a participant. A second active device of the same kind is refused by
    the constraint, not by a check that could race."""
    device = device_get_in_scope(scope=scope, device_id=device_id, for_update=True)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    _move(device, DeviceStatus.ASSIGNED, actor=actor, reason=f"participant {participant.pk}")
    try:
        with transaction.atomic():
            DeviceAssignment.objects.create(
                device=device, participant=participant, kind=device.kind, assigned_at=clock.now()
            )
    except IntegrityError as exc:
        raise Conflict(
            detail=f"participant already has an active {device.kind} device; return it first"
        ) from exc
    device.participant = participant
    device.save(update_fields=["status", "participant"])
    # An assign or swap task (a change of plan) is done once the right device is on.
    device_change_tasks_complete(
        actor=actor,
        participant_id=participant.pk,
        held=_kinds_worn(participant.pk),
        device_id=device.pk,
        event="assigned",
    )
    if device.kind == DeviceKind.GPS_ANKLE and device.office_id:
        _stock_change(device.office_id, Consumable.STRAP, -1, allow_short=True)
    audit_record(
        actor=actor,
        action="device.assign",
        object_type="device",
        object_ids=[device.pk],
        reason=f"participant {participant.pk}",
    )
    return device


def _kinds_worn(participant_id: int) -> set[str]:
    return set(
        DeviceAssignment.objects.filter(
            participant_id=participant_id, returned_at__isnull=True
        ).values_list("kind", flat=True)
    )


RETURN_CONDITIONS = {
    "ok": DeviceStatus.RETURNED,
    "damaged": DeviceStatus.DAMAGED,
    "lost": DeviceStatus.LOST,
}


@transaction.atomic
def device_return(
    *, actor: Any, scope: Scope, device_id: int, condition: str = "ok", reason: str = ""
) -> Device:
    if condition not in RETURN_CONDITIONS:
        raise ValidationFailed(errors=[FieldError(field="condition", reason="ok, damaged or lost")])
    device = device_get_in_scope(scope=scope, device_id=device_id, for_update=True)
    if device.status != DeviceStatus.ASSIGNED:
        raise Conflict(detail="the device is not assigned")
    if device.participant_id is not None and not participant_exists_in_scope(
        scope=scope, participant_id=device.participant_id
    ):
        # An officer takes back devices from their own caseload only (a supervisor: the office).
        raise NotFound()
    DeviceAssignment.objects.filter(device=device, returned_at__isnull=True).update(
        returned_at=clock.now(), return_condition=condition
    )
    _move(device, RETURN_CONDITIONS[condition], actor=actor, reason=reason or condition)
    holder = device.participant_id
    device.participant = None
    device.save(update_fields=["status", "participant"])
    if holder is not None:
        # A return task (departure, change of plan) is done when the device is back.
        device_returns_complete(
            actor=actor, participant_id=holder, device_id=device.pk, device_kind=device.kind
        )
        # A swap is done when the old kind is back and the new one is on.
        device_change_tasks_complete(
            actor=actor,
            participant_id=holder,
            held=_kinds_worn(holder),
            device_id=device.pk,
            event="returned",
        )
    audit_record(
        actor=actor,
        action="device.return",
        object_type="device",
        object_ids=[device.pk],
        reason=reason,
    )
    return device


@transaction.atomic
def device_swap(
    *,
    actor: Any,
    scope: Scope,
    old_device_id: int,
    new_device_id: int,
    condition: str = "ok",
    reason: str = "",
) -> Device:
    """Takes one device off a participant and puts another on, in one transaction: a failure
    of either half (the new device is not on the shelf, the old one is not worn) changes
    nothing. The two halves audit themselves; a swap task of the plan is done at the end."""
    old = device_get_in_scope(scope=scope, device_id=old_device_id, for_update=True)
    if old.participant_id is None:
        raise Conflict(detail="the device being replaced is not assigned")
    if old_device_id == new_device_id:
        raise ValidationFailed(
            errors=[FieldError(field="new_device_id", reason="choose a different device")]
        )
    participant_id = old.participant_id
    device_return(
        actor=actor,
        scope=scope,
        device_id=old_device_id,
        condition=condition,
        reason=reason or f"swapped for device {new_device_id}",
    )
    return device_assign(
        actor=actor, scope=scope, device_id=new_device_id, participant_id=participant_id
    )


@transaction.atomic
def device_status_change(
    *, actor: Any, scope: Scope, device_id: int, to_status: str, reason: str
) -> Device:
    """Refurbish, mark lost or damaged, retire, send back to the warehouse, or put a returned
    or refurbished device back on its office's shelf ("received", ready to assign again).
    Assignment and shipping have their own services."""
    if to_status not in {"refurbished", "lost", "damaged", "retired", "in_stock", "received"}:
        raise ValidationFailed(errors=[FieldError(field="to_status", reason="not allowed here")])
    device = device_get_in_scope(scope=scope, device_id=device_id, for_update=True)
    if device.status == DeviceStatus.ASSIGNED:
        raise Conflict(detail="return the device first")
    if to_status == DeviceStatus.RECEIVED and device.office_id is None:
        raise Conflict(detail="a device in the warehouse is shipped to an office, not received")
    _move(device, to_status, actor=actor, reason=reason)
    if to_status == DeviceStatus.IN_STOCK:
        device.office_id = None
    device.save(update_fields=["status", "office_id"])
    audit_record(
        actor=actor,
        action="device.status",
        object_type="device",
        object_ids=[device.pk],
        reason=reason,
    )
    return device


def _stock_change(office_id: int, item: str, delta: int, *, allow_short: bool = False) -> int:
    row, _ = ConsumableStock.objects.select_for_update().get_or_create(
        office_id=office_id, item=item
    )
    before = row.quantity
    after = before + delta
    if after < 0:
        if not allow_short:
            raise Conflict(detail=f"only {before} {item} in stock")
        after = 0
    ConsumableStock.objects.filter(pk=row.pk).update(quantity=F("quantity") - before + after)
    if stock_is_low(after, row.low_threshold) and not stock_is_low(before, row.low_threshold):
        # Only the crossing raises; the open low_stock alert then counts further drops.
        now = clock.now()
        alert_raise_many(
            actor=None,
            signals=[
                AlertSignal(
                    kind=AlertKind.LOW_STOCK,
                    occurred_at=now,
                    source="devices.stock",
                    source_ref=f"{office_id}:{item}:{now.isoformat()}",
                    office_id=office_id,
                    title=f"Low stock: {item}",
                    detail={"item": item, "quantity": after, "threshold": row.low_threshold},
                    evidence=AlertEvidence(
                        facts={"item": item, "quantity": after, "threshold": row.low_threshold}
                    ),
                )
            ],
        )
    return after


@transaction.atomic
def consumable_adjust(
    *,
    actor: Any,
    office_id: int,
    item: str,
    delta: int,
    reason: str,
    low_threshold: int | None = None,
) -> int:
    if item not in Consumable.values:
        raise ValidationFailed(errors=[FieldError(field="item", reason="strap or charger")])
    if low_threshold is not None:
        row, _ = ConsumableStock.objects.get_or_create(office_id=office_id, item=item)
        row.low_threshold = low_threshold
        row.save(update_fields=["low_threshold"])
    after = _stock_change(office_id, item, delta)
    audit_record(
        actor=actor,
        action="consumable.adjust",
        object_type="office",
        object_ids=[office_id],
        reason=f"{item} {delta:+d}: {reason}",
    )
    return after
