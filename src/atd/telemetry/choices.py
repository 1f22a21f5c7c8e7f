"""Kinds used by telemetry, importable without the tables."""

from django.db import models


class EventKind(models.TextChoices):
    STRAP_OPEN = "strap_open", "Strap opened / cut"
    STRAP_CLOSED = "strap_closed", "Strap closed"
    DEVICE_REMOVED = "device_removed", "Device removed"
    BATTERY = "battery", "Battery level report"
    CHARGING_STARTED = "charging_started", "Charging started"
    CHARGING_STOPPED = "charging_stopped", "Charging stopped"
    POWER_OFF = "power_off", "Powered off"
    POWER_ON = "power_on", "Powered on"


class Via(models.TextChoices):
    HTTP = "http", "HTTP batch"
    OSMAND = "osmand", "OsmAnd protocol"
    MQTT = "mqtt", "MQTT"
    REPLAY = "replay", "Dead-letter replay"


# Position.flags bits
FLAG_JUMP = 1  # failed the speed/teleport filter: stored, but never used by detectors
