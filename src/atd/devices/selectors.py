"""Reads of devices: scoped inventory for staff, and plain lookups for the ingest path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from atd.core.errors import NotFound
from atd.core.roles import CASELOAD_ROLES, Role
from atd.core.scope import Scope
from atd.devices.models import ConsumableStock, Device, DeviceAssignment, DeviceStatusChange


def device_queryset_in_scope(scope: Scope) -> QuerySet[Device]:
    """Inventory is an office's: staff of the office see its devices, an admin sees all."""
    qs = Device.objects.all()
    if scope.role == Role.ADMIN:
        return qs
    if scope.role in CASELOAD_ROLES or scope.role == Role.SUPERVISOR:
        if scope.office_id is None:
            return qs.none()
        return qs.filter(office_id=scope.office_id)
    return qs.none()


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


def devices_for_ingest(serials: Iterable[str]) -> dict[str, DeviceIdentity]:
    """Every ingest batch asks for ~1,000 devices: on PostgreSQL one `serial = ANY(array)`
    parameter (an IN list of that many placeholders costs several times more)."""
    wanted = list(set(serials))
    if not wanted:
        return {}
    columns = ("id", "serial", "kind", "credential_hash", "participant_id")
    if connection.vendor == "postgresql":
        table = Device._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT id, serial, kind, credential_hash, participant_id FROM {table} "  # noqa: S608
                "WHERE serial = ANY(%s)",
                [wanted],
            )
            return {row[1]: DeviceIdentity(*row) for row in cur.fetchall()}
    out: dict[str, DeviceIdentity] = {}
    for start in range(0, len(wanted), 900):
        rows = Device.objects.filter(serial__in=wanted[start : start + 900]).values_list(*columns)
        for row in rows:
            out[row[1]] = DeviceIdentity(*row)
    return out


def devices_by_id(device_ids: Iterable[int]) -> dict[int, DeviceIdentity]:
    out: dict[int, DeviceIdentity] = {}
    wanted = list(set(device_ids))
    for start in range(0, len(wanted), 900):
        rows = Device.objects.filter(pk__in=wanted[start : start + 900]).values_list(
            "id", "serial", "kind", "credential_hash", "participant_id"
        )
        for row in rows:
            out[row[0]] = DeviceIdentity(*row)
    return out


def devices_assigned() -> list[DeviceIdentity]:
    """Every device on a participant now (the no-signal job walks these)."""
    rows = Device.objects.filter(participant__isnull=False).values_list(
        "id", "serial", "kind", "credential_hash", "participant_id"
    )
    return [DeviceIdentity(*row) for row in rows]


def devices_for_participants(participant_ids: Iterable[int]) -> dict[int, list[DeviceIdentity]]:
    out: dict[int, list[DeviceIdentity]] = {}
    ids = list(set(participant_ids))
    for start in range(0, len(ids), 900):
        rows = Device.objects.filter(participant_id__in=ids[start : start + 900]).values_list(
            "id", "serial", "kind", "credential_hash", "participant_id"
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
