"""Reads of devices: scoped inventory for staff, and plain lookups for the ingest path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet

from atd.core.errors import NotFound
from atd.core.roles import CASELOAD_ROLES, Role
from atd.core.scope import Scope
from atd.devices.choices import Consumable
from atd.devices.models import (
    ConsumableStock,
    Device,
    DeviceAssignment,
    DeviceStatusChange,
    Shipment,
    ShipmentItem,
)
from atd.devices.rules import credential_accepted, serial_shown, stock_is_low
from atd.devices.types import DeviceHealth, DeviceHealthReader
from atd.people.selectors import office_list


def _office_rows_in_scope(qs: QuerySet, scope: Scope) -> QuerySet:
    """Rows owned by an office: that office's staff see them, an admin sees all, nobody else."""
    if scope.role == Role.ADMIN:
        return qs
    if scope.role in CASELOAD_ROLES or scope.role == Role.SUPERVISOR:
        if scope.office_id is None:
            return qs.none()
        return qs.filter(office_id=scope.office_id)
    return qs.none()


def device_queryset_in_scope(scope: Scope) -> QuerySet[Device]:
    """Inventory is an office's: staff of the office see its devices, an admin sees all."""
    return _office_rows_in_scope(Device.objects.all(), scope)


def device_get_in_scope(*, scope: Scope, device_id: int, for_update: bool = False) -> Device:
    qs = device_queryset_in_scope(scope)
    if for_update:
        qs = qs.select_for_update()
    device = qs.filter(pk=device_id).first()
    if device is None:
        raise NotFound()
    return device


def device_history(device_id: int) -> list[DeviceStatusChange]:
    return list(DeviceStatusChange.objects.filter(device_id=device_id))


@dataclass(frozen=True)
class DeviceIdentity:
    """What the ingest path needs to know about a device, with no ORM object attached."""

    id: int
    serial: str
    kind: str
    credential_hash: str
    participant_id: int | None
    credential_mode: str = "key"

    @property
    def serial_shown(self) -> str:
        return serial_shown(self.serial, self.credential_mode)


IDENTITY_COLUMNS = ("id", "serial", "kind", "credential_hash", "participant_id", "credential_mode")


def devices_for_ingest(serials: Iterable[str]) -> dict[str, DeviceIdentity]:
    """Every ingest batch asks for ~1,000 devices: on PostgreSQL one `serial = ANY(array)`
    parameter (an IN list of that many placeholders costs several times more)."""
    wanted = list(set(serials))
    if not wanted:
        return {}
    columns = IDENTITY_COLUMNS
    if connection.vendor == "postgresql":
        table = Device._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, serial, kind, credential_hash, participant_id, credential_mode "  # noqa: S608
                f"FROM {table} WHERE serial = ANY(%s)",
                [wanted],
            )
            return {row[1]: DeviceIdentity(*row) for row in cur.fetchall()}
    out: dict[str, DeviceIdentity] = {}
    for start in range(0, len(wanted), 900):
        rows = Device.objects.filter(serial__in=wanted[start : start + 900]).values_list(*columns)
        for row in rows:
            out[row[1]] = DeviceIdentity(*row)
    return out


def device_secret_matches(device: DeviceIdentity, secret: str | None) -> bool:
    """Whether `secret` is the device's current credential (compared in constant time); an
    enrolled phone (identifier mode) needs none: its unguessable serial is the credential."""
    return credential_accepted(
        mode=device.credential_mode, secret=secret, stored_hash=device.credential_hash
    )


def devices_by_id(device_ids: Iterable[int]) -> dict[int, DeviceIdentity]:
    out: dict[int, DeviceIdentity] = {}
    wanted = list(set(device_ids))
    for start in range(0, len(wanted), 900):
        rows = Device.objects.filter(pk__in=wanted[start : start + 900]).values_list(
            *IDENTITY_COLUMNS
        )
        for row in rows:
            out[row[0]] = DeviceIdentity(*row)
    return out


def devices_assigned() -> list[DeviceIdentity]:
    """Every device on a participant now (the no-signal job walks these)."""
    rows = Device.objects.filter(participant__isnull=False).values_list(*IDENTITY_COLUMNS)
    return [DeviceIdentity(*row) for row in rows]


def devices_for_participants(participant_ids: Iterable[int]) -> dict[int, list[DeviceIdentity]]:
    out: dict[int, list[DeviceIdentity]] = {}
    ids = list(set(participant_ids))
    for start in range(0, len(ids), 900):
        rows = Device.objects.filter(participant_id__in=ids[start : start + 900]).values_list(
            *IDENTITY_COLUMNS
        )
        for row in rows:
            out.setdefault(row[4], []).append(DeviceIdentity(*row))
    return out


def assignment_open_count() -> int:
    return DeviceAssignment.objects.filter(returned_at__isnull=True).count()


def stock_for_office(office_id: int) -> dict[str, tuple[int, int]]:
    return {
        row.item: (row.quantity, row.low_threshold)
        for row in ConsumableStock.objects.filter(office_id=office_id)
    }


def _office_in_scope(scope: Scope, office_id: int | None) -> bool:
    if scope.role == Role.ADMIN:
        return True
    office_staff = scope.role in CASELOAD_ROLES or scope.role == Role.SUPERVISOR
    return office_staff and office_id is not None and scope.office_id == office_id


def shipment_queryset_in_scope(scope: Scope) -> QuerySet[Shipment]:
    """Shipments are the receiving office's: its staff see them, an admin sees all."""
    return _office_rows_in_scope(Shipment.objects.all(), scope)


def shipment_get_in_scope(*, scope: Scope, shipment_id: int) -> Shipment:
    shipment = shipment_queryset_in_scope(scope).filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFound()
    return shipment


@dataclass(frozen=True)
class ShipmentLine:
    device_id: int
    serial: str
    kind: str
    received_at: Any


def shipment_lines(shipment_id: int) -> list[ShipmentLine]:
    rows = (
        ShipmentItem.objects.filter(shipment_id=shipment_id)
        .order_by("device__serial")
        .values_list("device_id", "device__serial", "device__kind", "received_at")
    )
    return [ShipmentLine(*row) for row in rows]


@dataclass(frozen=True)
class StockLevel:
    office_id: int
    item: str
    quantity: int
    low_threshold: int
    low: bool


def consumable_stock_for_office(*, scope: Scope, office_id: int) -> list[StockLevel]:
    """Every consumable of an office (an item never stocked reads as 0 with the default
    threshold). An office outside the caller's scope is NotFound."""
    if not _office_in_scope(scope, office_id) or not office_exists(office_id):
        raise NotFound()
    rows = {r.item: r for r in ConsumableStock.objects.filter(office_id=office_id)}
    default = ConsumableStock._meta.get_field("low_threshold").get_default()
    out = []
    for item in Consumable.values:
        row = rows.get(item)
        quantity = row.quantity if row else 0
        threshold = row.low_threshold if row else int(default)
        out.append(
            StockLevel(office_id, item, quantity, threshold, stock_is_low(quantity, threshold))
        )
    return out


def office_in_scope_or_404(*, scope: Scope, office_id: int) -> None:
    if not _office_in_scope(scope, office_id) or not office_exists(office_id):
        raise NotFound()


def office_exists(office_id: int) -> bool:
    return office_list().filter(pk=office_id).exists()


# --- console pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceFilters:
    status: str = ""
    kind: str = ""
    q: str = ""  # serial, or part of it
    office_id: int | None = None  # an admin narrows to one office
    available: bool = False  # received at the office and on nobody


def device_inventory(
    *, scope: Scope, filters: DeviceFilters, offset: int = 0, limit: int = 50
) -> tuple[list[Device], int]:
    """The office's inventory page: one page of devices in serial order, and the total."""
    qs = device_queryset_in_scope(scope)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(serial__icontains=filters.q)
    if filters.office_id:
        qs = qs.filter(office_id=filters.office_id)
    if filters.available:
        qs = qs.filter(status="received", participant__isnull=True)
    total = qs.count()
    return list(qs.order_by("serial")[offset : offset + limit]), total


def device_status_counts(scope: Scope, office_id: int | None = None) -> dict[str, int]:
    """Devices per lifecycle state in the caller's inventory (the page's summary line)."""
    qs = device_queryset_in_scope(scope)
    if office_id:
        qs = qs.filter(office_id=office_id)
    return {row["status"]: row["n"] for row in qs.values("status").annotate(n=models.Count("id"))}


@dataclass(frozen=True)
class AssignmentLine:
    participant_id: int
    kind: str
    assigned_at: Any
    returned_at: Any
    return_condition: str


def device_assignments(device_id: int) -> list[AssignmentLine]:
    """Who wore the device when, newest first."""
    rows = (
        DeviceAssignment.objects.filter(device_id=device_id)
        .order_by("-assigned_at", "-id")
        .values_list("participant_id", "kind", "assigned_at", "returned_at", "return_condition")
    )
    return [AssignmentLine(*row) for row in rows]


def devices_available(*, scope: Scope, office_id: int | None, kind: str = "") -> list[Device]:
    """Devices on an office's shelf (received, on nobody) that the caller may hand out."""
    if office_id is None:
        return []
    qs = device_queryset_in_scope(scope).filter(
        office_id=office_id, status="received", participant__isnull=True
    )
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("kind", "serial")[:200])


def devices_worn_by(participant_id: int) -> list[Device]:
    """The devices a participant wears now (the caller has checked the participant's scope)."""
    return list(Device.objects.filter(participant_id=participant_id).order_by("kind", "serial"))


# A device's health (battery, last contact, strap) is measured by telemetry, which sits above
# devices in the layers: it registers its reader here at start-up, so devices' pages read
# health without importing telemetry. One reader; none registered (telemetry not installed):
# nothing is known.
_health_readers: list[DeviceHealthReader] = []


def device_health_reader_register(reader: DeviceHealthReader) -> None:
    _health_readers[:] = [reader]


def device_health(device_ids: Sequence[int]) -> dict[int, DeviceHealth]:
    """Health by device id, for the devices whose health is known."""
    if not _health_readers or not device_ids:
        return {}
    return _health_readers[0](device_ids)
