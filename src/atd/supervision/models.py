"""Tables for supervision plans, their history, zones, curfews and cost rates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atd.core.fieldcrypt import EncryptedTextField
from atd.supervision.choices import (
    CheckinMode,
    DeviceTaskKind,
    DeviceTaskStatus,
    Technology,
    ZoneKind,
    ZonePurpose,
)


class Plan(models.Model):
    """The current supervision plan of a participant (one active per participant)."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    technology = models.CharField(max_length=16, choices=Technology.choices)
    cadence_days = models.PositiveIntegerField()
    checkin_mode = models.CharField(max_length=16, choices=CheckinMode.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(is_active=True),
                name="plan_one_active_per_participant",
            ),
            models.CheckConstraint(condition=Q(cadence_days__gte=1), name="plan_cadence_positive"),
        ]


class PlanChange(models.Model):
    """Every change of plan, with who, when and why (shown on the participant page)."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="changes")
    previous_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_technology = models.CharField(max_length=16, blank=True)
    to_technology = models.CharField(max_length=16)
    reason = EncryptedTextField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class Zone(models.Model):
    """A circle (center + radius) or a polygon (GeoJSON ring, [lon, lat] pairs) per participant."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=ZoneKind.choices)
    purpose = models.CharField(max_length=16, choices=ZonePurpose.choices, default=ZonePurpose.AREA)
    center_lat = models.FloatField(null=True, blank=True)
    center_lon = models.FloatField(null=True, blank=True)
    radius_m = models.FloatField(null=True, blank=True)
    polygon = models.JSONField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["participant", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(polygon__isnull=False)
                | (Q(center_lat__isnull=False) & Q(center_lon__isnull=False) & Q(radius_m__gt=0)),
                name="zone_circle_or_polygon",
            )
        ]


class CurfewWindow(models.Model):
    """Times the participant must be inside `zone`, in the participant's office timezone.
    A window may cross midnight (start 21:00, end 06:00): it belongs to the weekday it starts."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.CASCADE, related_name="+"
    )
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="curfews")
    weekdays = models.JSONField(default=list)  # 0 = Monday ... 6 = Sunday
    start = models.TimeField()
    end = models.TimeField()
    timezone = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)


class CostRate(models.Model):
    """Cost per participant-day of a technology, from a date (the newest applicable wins)."""

    technology = models.CharField(max_length=16)  # a Technology value or "detention"
    per_day = models.DecimalField(max_digits=10, decimal_places=2)
    effective_from = models.DateField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["technology", "effective_from"], name="cost_rate_unique_from"
            )
        ]


class DeviceTask(models.Model):
    """A plan change that changes technology opens a device assignment, return or swap task;
    a confirmed departure opens a return task for each device the participant still holds
    (no plan change: `reason` says why, `device_id` names the device). The devices app
    consumes open tasks through `supervision.selectors` / `services`: a return task is done
    when the device comes back, an assign or swap task when the right device is on (and, for
    a swap, the old kind is off)."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    plan_change = models.OneToOneField(
        PlanChange, null=True, blank=True, on_delete=models.PROTECT, related_name="device_task"
    )
    kind = models.CharField(max_length=8, choices=DeviceTaskKind.choices)
    from_technology = models.CharField(max_length=16, blank=True)
    to_technology = models.CharField(max_length=16, blank=True)
    # The devices app's device to collect (its id; the devices app owns the table).
    device_id = models.BigIntegerField(null=True, blank=True)
    device_serial = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=DeviceTaskStatus.choices, default=DeviceTaskStatus.OPEN
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_label = models.CharField(max_length=150, blank=True)
    note = EncryptedTextField(max_length=500, blank=True)

    class Meta:
        # A device has at most one open return task: opening returns again (a retried
        # confirmation) adds nothing; enforced here, not by check-then-insert.
        constraints = [
            models.UniqueConstraint(
                fields=["device_id"],
                condition=models.Q(status="open", kind="return", device_id__isnull=False),
                name="device_task_one_open_return_per_device",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]
