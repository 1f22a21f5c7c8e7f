"""Kinds used by supervision plans, importable without the tables."""

from django.db import models


class Technology(models.TextChoices):
    GPS_ANKLE = "gps_ankle", "GPS ankle monitor"
    WRIST = "wrist", "Wrist-worn device"
    SMARTPHONE = "smartphone", "Smartphone app"
    TELEPHONE = "telephone", "Telephone reporting"
    IN_PERSON = "in_person", "In-person reporting only"


class CheckinMode(models.TextChoices):
    REMOTE = "remote", "Remote"
    IN_PERSON = "in_person", "In person"


class ZoneKind(models.TextChoices):
    INCLUSION = "inclusion", "Inclusion (must stay inside)"
    EXCLUSION = "exclusion", "Exclusion (must stay outside)"


class ZonePurpose(models.TextChoices):
    HOME = "home", "Home"
    WORK = "work", "Work"
    AREA = "area", "Area"
    EXCLUDED = "excluded", "Excluded place"


class DeviceTaskKind(models.TextChoices):
    ASSIGN = "assign", "Assign a device"
    RETURN = "return", "Collect the device"
    SWAP = "swap", "Swap the device for another kind"


class DeviceTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
