"""Tables for telemetry: positions, device events, last positions, device health, detector
state, dead letters, delivery attempts of redelivered messages, and legal holds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from atd.core.fieldcrypt import EncryptedTextField

# Positions are the one very large table. Its foreign keys are declared without database
# constraints (db_constraint=False): devices and participants are never deleted (PROTECT
# elsewhere), and per-row FK checks would cost a third of the bulk-load rate. Every unique key
# contains fix_time, so the table can be range-partitioned by day (docs/telemetry.md).


class Position(models.Model):
    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(
        "devices.Device",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    participant = models.ForeignKey(
        "people.Participant",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    fix_time = models.DateTimeField()
    received_at = models.DateTimeField()
    seq = models.BigIntegerField(null=True, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    speed_mps = models.FloatField(null=True, blank=True)
    bearing = models.FloatField(null=True, blank=True)
    altitude_m = models.FloatField(null=True, blank=True)
    battery = models.SmallIntegerField(null=True, blank=True)
    flags = models.SmallIntegerField(default=0, db_default=0)
    attributes = models.JSONField(null=True, blank=True)
    # Attached to an alert's evidence: the retention purge keeps it.
    keep = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            # Idempotency: a resent or redelivered fix is the same (device, fix time).
            models.UniqueConstraint(fields=["device", "fix_time"], name="position_unique_fix")
        ]
        indexes = [models.Index(fields=["participant", "fix_time"], name="position_participant")]


class DeviceEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(
        "devices.Device", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    participant = models.ForeignKey(
        "people.Participant",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    kind = models.CharField(max_length=24)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    seq = models.BigIntegerField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    attributes = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "kind", "occurred_at"], name="device_event_unique"
            )
        ]
        indexes = [models.Index(fields=["participant", "occurred_at"], name="device_event_part")]


class LastPosition(models.Model):
    """The newest good fix per participant (what the console map shows)."""

    participant = models.OneToOneField(
        "people.Participant", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="+")
    fix_time = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    battery = models.SmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField()


class DeviceState(models.Model):
    """Device health and the detectors' per-device memory (last good fix, battery level)."""

    device = models.OneToOneField(
        "devices.Device", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    participant = models.ForeignKey(
        "people.Participant", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_contact_at = models.DateTimeField(db_index=True)
    last_fix_time = models.DateTimeField(null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    battery = models.SmallIntegerField(null=True, blank=True)
    battery_level = models.CharField(max_length=10, default="ok")  # ok | low | critical
    charging = models.BooleanField(null=True)
    strap_open = models.BooleanField(default=False)
    # From the newest fix: its accuracy, and whether the phone said it was moving (Traccar
    # Client's `motion` / `is_moving`); None when the device does not send it.
    accuracy_m = models.FloatField(null=True, blank=True)
    moving = models.BooleanField(null=True)


class DetectorState(models.Model):
    """Persistence memory of one zone or curfew rule for one participant: a violation must
    last N fixes or M minutes before it raises an alert, and raises it once per episode."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.CASCADE, related_name="+"
    )
    rule_key = models.CharField(max_length=40)  # "zones:inclusion", "zone:12", "curfew:5"
    violating_since = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)
    alerted = models.BooleanField(default=False)
    last_fix_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "rule_key"], name="detector_state_unique"
            )
        ]


class DeadLetter(models.Model):
    """A rejected record (or undecodable payload) with its reason; an admin can replay it.
    Credentials are stripped before a payload is stored here."""

    received_at = models.DateTimeField(db_index=True)
    via = models.CharField(max_length=8)
    device_serial = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=32)
    detail = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(null=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replay_outcome = models.CharField(max_length=32, blank=True)
    replayed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["reason", "replayed_at"])]


class MessageAttempt(models.Model):
    """Deliveries of a broker message that came back (the worker died or failed while it was
    in flight). Only redelivered messages are counted, so the usual path writes nothing here;
    one that reaches ATD_MQTT_MAX_ATTEMPTS is parked as a dead letter and acknowledged."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of topic and payload
    via = models.CharField(max_length=8)
    attempts = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()


class LegalHold(models.Model):
    """While a hold is active, none of the participant's positions are purged."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField(max_length=300)
    placed_at = models.DateTimeField()
    placed_by = models.CharField(max_length=150)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(released_at__isnull=True),
                name="legal_hold_one_active",
            )
        ]
