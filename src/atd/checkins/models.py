"""Tables of check-ins: scheduled windows, check-ins (remote and in person) and their photos,
enrolment photos and identity reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atd.checkins.choices import (
    CheckinKind,
    CheckinStatus,
    EnrolmentSource,
    FollowUpStatus,
    IdentityVerdict,
    LocationStatus,
    WindowSource,
    WindowStatus,
)
from atd.core.fieldcrypt import EncryptedBinaryField, EncryptedJSONField, EncryptedTextField


class CheckinWindow(models.Model):
    """A period in which a check-in is due. Generated from the plan cadence or an intake
    deadline; (participant, source, due_date) is unique so regenerating changes nothing."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "people.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        "supervision.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=16, choices=WindowSource.choices)
    mode = models.CharField(max_length=16)  # remote | in_person (from the plan)
    due_date = models.DateField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=WindowStatus.choices, default="open")
    closed_at = models.DateTimeField(null=True, blank=True)  # when the job marked the outcome
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "source", "due_date"], name="checkin_window_unique_due"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="checkin_window_ordered"
            ),
        ]
        indexes = [
            # The missed-window job: open windows whose close time has passed.
            models.Index(fields=["status", "closes_at"]),
            models.Index(fields=["participant", "opens_at"]),
            # The dashboard's "check-ins today" card: windows due today (without it, a scan of
            # every window; "missed today" is served by the (status, closes_at) index above).
            models.Index(fields=["due_date"], name="checkin_window_due_date"),
        ]


class Checkin(models.Model):
    """One check-in (or one recorded technical attempt). Idempotent per participant by the
    client's key: a retried or re-queued submission returns the first receipt."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        CheckinWindow, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    kind = models.CharField(max_length=12, choices=CheckinKind.choices)
    status = models.CharField(max_length=12, choices=CheckinStatus.choices)
    attempt_reason = models.CharField(max_length=20, blank=True)
    idempotency_key = models.CharField(max_length=64)
    receipt_code = models.CharField(max_length=16, unique=True)
    captured_at = models.DateTimeField()  # on the device (participant's clock)
    received_at = models.DateTimeField(db_index=True)  # on the server
    location_status = models.CharField(max_length=12, choices=LocationStatus.choices)
    unverified_reason = models.CharField(max_length=16, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    fix_at = models.DateTimeField(null=True, blank=True)
    flags = models.JSONField(default=list)
    # May carry a new phone number or address: sealed at rest (ADR 0021).
    questionnaire = EncryptedJSONField(default=dict)
    user_agent = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=150, blank=True)
    note = EncryptedTextField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "idempotency_key"], name="checkin_unique_idempotency_key"
            )
        ]
        indexes = [models.Index(fields=["participant", "received_at"])]


class CheckinPhoto(models.Model):
    """An optional camera photo for officer review. Stored outside the web root and only
    served through an audited view."""

    checkin = models.OneToOneField(Checkin, on_delete=models.CASCADE, related_name="photo")
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = EncryptedBinaryField()  # sealed at rest (ADR 0021)
    created_at = models.DateTimeField()


# --- identity review (docs/checkins.md, "Identity review") ----------------------------------
# Photo bytes are written and read only through atd.checkins.photo_store.


class EnrolmentPhoto(models.Model):
    """The reference photo of a participant, taken by staff at intake or at an in-person
    check-in, stripped of its metadata. The newest one not replaced is the current one;
    a replaced one is purged after the retention period."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=12, choices=EnrolmentSource.choices)
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    data = EncryptedBinaryField()  # sealed at rest (ADR 0021)
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_by_label = models.CharField(max_length=150, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["participant", "replaced_at"])]


class IdentityReview(models.Model):
    """A reviewer's verdict on a remote check-in's photo against the enrolment photo. One per
    check-in (the unique key settles two reviewers deciding at once)."""

    checkin = models.OneToOneField(
        Checkin, on_delete=models.PROTECT, related_name="identity_review"
    )
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(max_length=10, choices=IdentityVerdict.choices)
    enrolment_photo = models.ForeignKey(
        EnrolmentPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The fingerprints of the two photos compared: they outlive the purged bytes.
    enrolment_sha256 = models.CharField(max_length=64, blank=True)
    checkin_photo_sha256 = models.CharField(max_length=64, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_label = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField()
    note = EncryptedTextField(max_length=500, blank=True)
    alert_id = models.BigIntegerField(null=True, blank=True)  # raised on no match
    photo_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["reviewed_at"])]


class IdentityFollowUp(models.Model):
    """The officer's task after an unclear verdict: see the participant, take a new enrolment
    photo or otherwise settle who checked in."""

    review = models.OneToOneField(
        IdentityReview, on_delete=models.CASCADE, related_name="follow_up"
    )
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by_label = models.CharField(max_length=150, blank=True)
    done_note = EncryptedTextField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "officer"])]


# The graduated response's tables live in their own module; importing them here registers them.
from atd.checkins.ladder_models import LadderMiss, LadderPolicy, LadderTask  # noqa: E402

__all__ = [
    "Checkin",
    "CheckinPhoto",
    "CheckinWindow",
    "LadderMiss",
    "LadderPolicy",
    "LadderTask",
    "EnrolmentPhoto",
    "IdentityReview",
    "IdentityFollowUp",
]
