"""Tables for alerts and the events that raised them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atd.alerts.choices import AlertKind, AlertStatus, Disposition, Severity
from atd.core.fieldcrypt import (
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    blind_index,
)

OPEN_STATES = ("open", "acknowledged")


class Alert(models.Model):
    """Something an officer must look at. One open alert per participant and kind: repeats add
    events and raise `occurrence_count` instead of flooding the queue."""

    participant = models.ForeignKey(
        "people.Participant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "people.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    title = models.CharField(max_length=200)
    opened_at = models.DateTimeField(db_index=True)
    first_event_at = models.DateTimeField()
    last_event_at = models.DateTimeField()
    occurrence_count = models.PositiveIntegerField(default=1)
    ack_due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disposition = models.CharField(max_length=24, choices=Disposition.choices, blank=True)
    resolution_note = EncryptedTextField(blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Evidence at the latest occurrence: last positions, device health, match explanation...
    # (may quote a booking's name as recorded and the compared values): sealed at rest.
    evidence = EncryptedJSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=Q(status__in=OPEN_STATES) & Q(participant__isnull=False),
                name="alert_one_open_per_participant_kind",
            ),
            models.UniqueConstraint(
                fields=["office", "kind"],
                condition=Q(status__in=OPEN_STATES) & Q(participant__isnull=True),
                name="alert_one_open_per_office_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "severity", "ack_due_at"]),
            models.Index(fields=["officer", "status"]),
            models.Index(fields=["office", "status"]),
        ]


class AlertEvent(models.Model):
    """One underlying occurrence. (kind, source, source_ref) is unique, so re-processing the
    same device event, window or match never counts twice."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=32)
    source_ref = models.CharField(max_length=200)
    detail = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "source_ref"], name="alert_event_unique_source"
            )
        ]
        ordering = ["occurred_at", "id"]


class Notification(models.Model):
    """A message to a staff user or a participant, queued for delivery by the channel plug-ins.

    Other apps enqueue through `alerts.services.notification_enqueue`; `dedupe_key` is unique so
    a reminder job that runs twice queues one message.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    participant = models.ForeignKey(
        "people.Participant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=16, blank=True)  # empty: the recipient's preference
    language = models.CharField(max_length=8, default="en")
    subject = EncryptedTextField(max_length=200)
    body = EncryptedTextField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    send_after = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt_count = models.PositiveSmallIntegerField(default=0)
    # A worker claims a message by a conditional UPDATE of this column; its value identifies the
    # claim, so the outcome is written only by the claim's holder (see services.delivery).
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # in-app messages

    class Meta:
        indexes = [
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["user", "channel", "read_at"]),
        ]


class AlertTransition(models.Model):
    """One step of an alert's lifecycle (acknowledge, resolve, reopen, escalate), with who and
    why: the alert's own history, shown on the alert and the participant's timeline."""

    class Action(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", "Acknowledged"
        RESOLVE = "resolve", "Resolved"
        REOPEN = "reopen", "Reopened"
        ESCALATE = "escalate", "Escalated"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=14)
    to_status = models.CharField(max_length=14)
    at = models.DateTimeField()
    actor_label = models.CharField(max_length=150)
    disposition = models.CharField(max_length=24, choices=Disposition.choices, blank=True)
    note = EncryptedTextField(blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]


class OfficerAlertPreference(models.Model):
    """When an officer is on call and which severities page them (and by which channels)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    on_call_weekdays = models.JSONField(default=list)  # 0=Monday .. 6=Sunday
    on_call_start = models.TimeField(null=True, blank=True)
    on_call_end = models.TimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    page_severities = models.JSONField(default=list)  # e.g. ["critical", "high"]
    channels = models.JSONField(default=list)  # e.g. ["in_app", "email", "sms"]
    phone = EncryptedTextField(max_length=32, blank=True)
    updated_at = models.DateTimeField()


class OnCallEntry(models.Model):
    """An office's on-call list: who is paged, in order, when the supervisor did not act."""

    office = models.ForeignKey("people.Office", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["office", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "user"], name="oncall_once_per_office")
        ]


class DeliveryAttempt(models.Model):
    """One try to deliver a notification through one channel; failures are retried with
    back-off until the channel's attempt limit, then the notification is marked failed."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempts"
    )
    channel = models.CharField(max_length=16)
    attempt_no = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    ok = models.BooleanField()
    error = EncryptedTextField(max_length=500, blank=True)  # may quote the address
    provider_ref = models.CharField(max_length=200, blank=True)
    # What the provider later reported (status callbacks): queued, sent, delivered, failed,
    # undelivered; with the time of the report and the provider's error code, if any.
    provider_status = models.CharField(max_length=16, blank=True)
    provider_status_at = models.DateTimeField(null=True, blank=True)
    provider_error = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(
                fields=["provider_ref"], name="attempt_provider_ref", condition=~Q(provider_ref="")
            )
        ]


def phone_index(number: str) -> str:
    """The blind index an opted-out number is found by (SmsOptOut.number_index)."""
    return blind_index(number.strip(), kind="phone")


class SmsOptOut(models.Model):
    """A phone number whose owner replied STOP: it is not texted until they reply START. Messages
    to them go by e-mail or the portal instead (alerts.rules.participant_channel)."""

    number = EncryptedTextField(max_length=20)  # E.164, sealed at rest (ADR 0021)
    # The keyed blind index of the number: the look-up and the uniqueness (ADR 0021).
    number_index = BlindIndexField(kind="phone", sources=("number",), unique=True)
    since = models.DateTimeField()
    reply_ref = models.CharField(max_length=200, blank=True)
