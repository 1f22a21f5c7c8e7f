"""Device kinds, lifecycle states and consumables, importable without the tables."""

from django.db import models


class DeviceKind(models.TextChoices):
    GPS_ANKLE = "gps_ankle", "GPS ankle monitor"
    WRIST = "wrist", "Wrist-worn GPS device"
    SMARTPHONE = "smartphone", "Smartphone app"


class CredentialMode(models.TextChoices):
    """How a device proves who it is. A monitor or an integration sends its serial and a
    separate key; a phone running a standard tracker app (Traccar Client, OsmAnd) can send only
    its identifier, so an enrolled phone gets an unguessable identifier that is the credential
    (docs/telemetry.md, "Phone tracking")."""

    KEY = "key", "Serial and device key"
    IDENTIFIER = "identifier", "Unguessable identifier (tracker app)"


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
