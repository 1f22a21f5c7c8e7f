"""Tables for devices: inventory, lifecycle history, shipments, assignments, consumable stock."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from atd.devices.choices import (
    Consumable,
    CredentialMode,
    DeviceKind,
    DeviceStatus,
    ShipmentStatus,
)
from atd.devices.rules import serial_shown


class Device(models.Model):
    """One physical monitor or one enrolled phone. `office` is null while in the warehouse."""

    serial = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=DeviceKind.choices)
    model = models.CharField(max_length=64, blank=True)
    firmware = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.IN_STOCK
    )
    office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The participant wearing it now (denormalised from the open assignment for the ingest path).
    participant = models.ForeignKey(
        "people.Participant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # SHA-256 of the current secret; rotating replaces it, so the old secret stops working.
    credential_hash = models.CharField(max_length=64, blank=True)
    credential_rotated_at = models.DateTimeField(null=True, blank=True)
    # IDENTIFIER: the serial itself is the credential (an enrolled phone's tracker app cannot
    # send a key); re-enrolling issues a new serial, so the old one stops working.
    credential_mode = models.CharField(
        max_length=12, choices=CredentialMode.choices, default=CredentialMode.KEY
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["office", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.serial_shown}"

    @property
    def serial_shown(self) -> str:
        return serial_shown(self.serial, self.credential_mode)


class DeviceStatusChange(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    participant = models.ForeignKey(
        "people.Participant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class DeviceAssignment(models.Model):
    """Who wore which device when. One active device of a kind per participant, and one active
    wearer per device, both enforced by partial unique constraints."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="assignments")
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=DeviceKind.choices)
    assigned_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    return_condition = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=Q(returned_at__isnull=True),
                name="device_one_active_kind_per_participant",
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(returned_at__isnull=True),
                name="device_one_active_wearer",
            ),
        ]


class Shipment(models.Model):
    """Devices sent from the warehouse to an office; each serial is received one by one."""

    office = models.ForeignKey("people.Office", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.IN_TRANSIT
    )
    device_count = models.PositiveIntegerField(default=0)
    received_count = models.PositiveIntegerField(default=0)
    consumables = models.JSONField(default=dict)  # {"strap": 20, "charger": 10}
    shipped_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)


class ShipmentItem(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "device"], name="shipment_item_unique")
        ]


class ConsumableStock(models.Model):
    """Counted stock of straps and chargers per office, with the level that raises low_stock."""

    office = models.ForeignKey("people.Office", on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=16, choices=Consumable.choices)
    quantity = models.IntegerField(default=0)
    low_threshold = models.PositiveIntegerField(default=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "item"], name="consumable_one_row_per_item"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="consumable_not_negative"),
        ]
