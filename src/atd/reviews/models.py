"""Tables of reviews: review requests (step down, fewer check-ins, end monitoring, leave the
program), their decisions, appeals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atd.core.fieldcrypt import EncryptedTextField
from atd.reviews.choices import (
    AppealStatus,
    DecisionReason,
    RequestKind,
    ReviewSource,
    ReviewStatus,
)


class ReviewRequest(models.Model):
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("people.Case", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=ReviewSource.choices)
    kind = models.CharField(
        max_length=16, choices=RequestKind.choices, default=RequestKind.STEP_DOWN
    )
    statement = EncryptedTextField(blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.CharField(max_length=150)
    due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    current_technology = models.CharField(max_length=16, blank=True)
    # The compliance record and recommendation as shown to the officer when requested.
    compliance = models.JSONField(default=dict)
    recommendation = models.JSONField(default=dict)
    to_technology = models.CharField(max_length=16, blank=True)
    current_cadence_days = models.PositiveIntegerField(null=True, blank=True)
    to_cadence_days = models.PositiveIntegerField(null=True, blank=True)
    # Leaving the program: the participant was told court hearings and notices stay in force.
    court_obligations_acknowledged = models.BooleanField(default=False)
    # Set when an approved "leave the program" ended supervision (the case closed that day).
    supervision_ended_on = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_label = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=24, choices=DecisionReason.choices, blank=True)
    reason_text = EncryptedTextField(blank=True)
    appeal_until = models.DateTimeField(null=True, blank=True)
    device_return_required = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # One open request per person: a second request while one waits is the same one.
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status="pending"),
                name="review_one_pending_per_participant",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"])]


class ReviewAppeal(models.Model):
    request = models.OneToOneField(ReviewRequest, on_delete=models.PROTECT, related_name="appeal")
    statement = EncryptedTextField(blank=True)
    filed_at = models.DateTimeField()
    filed_by = models.CharField(max_length=150)
    due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_label = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=24, choices=DecisionReason.choices, blank=True)
    reason_text = EncryptedTextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]
