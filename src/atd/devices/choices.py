"""Device kinds, lifecycle states and consumables, importable without the tables."""

from django.db import models


class DeviceKind(models.TextChoices):
    GPS_ANKLE = "gps_ankle", "GPS ankle monitor"
    WRIST = "wrist", "Wrist-worn GPS device"
    SMARTPHONE = "smartphone", "Smartphone app"


class DeviceStatus(models.TextChoices):
    IN_STOCK = "in_stock", "In stock (warehouse)"
    SHIPPED = "shipped", "Shipped"
    RECEIVED = "received", "Received at office"
    ASSIGNED = "assigned", "Assigned"
    RETURNED = "returned", "Returned"
    REFURBISHED = "refurbished", "Refurbished"
    LOST = "lost", "Lost"
    DAMAGED = "damaged", "Damaged"
    RETIRED = "retired", "Retired"


class ShipmentStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", "In transit"
    PARTIAL = "partial", "Partly received"
    RECEIVED = "received", "Received"


class Consumable(models.TextChoices):
    STRAP = "strap", "Strap"
    CHARGER = "charger", "Charger"
