"""Tables of the graduated response: each office's ladder, the misses recorded on it (missed
windows, unverified check-ins, silent phones) and the officer tasks it opens.

Imported by `models.py` (Django finds the app's tables there); kept apart so the check-in
tables and the ladder's change separately."""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce

from atd.core.fieldcrypt import EncryptedTextField


class MissSourceChoice(models.TextChoices):
    WINDOW = "window", "Missed check-in window"
    UNVERIFIED_CHECKIN = "unverified_checkin", "Check-in with location unverified"
    DEVICE_SILENCE = "device_silence", "Phone or tracker not reporting"


class MissStatusChoice(models.TextChoices):
    COUNTED = "counted", "Counted"
    TECHNICAL = "technical", "Technical (not counted)"
    PENDING = "pending", "Reminder sent, waiting"
    RESUMED = "resumed", "Reporting again after the reminder (not counted)"


class LadderTaskKind(models.TextChoices):
    CALL = "call", "Call the participant"
    PLAN_REVIEW = "plan_review", "Review the supervision plan"
    SILENCE = "silence", "Phone not reporting: contact the participant"


class LadderTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled (miss marked technical)"


class LadderPolicy(models.Model):
    """An office's ladder; the row without an office is the program default (the code's
    defaults when there is none). Edited in the Django admin, each save audited."""

    office = models.OneToOneField(
        "people.Office", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    window_weeks = models.PositiveSmallIntegerField(
        default=8, help_text="Counted misses within this many weeks set the rung."
    )
    reminder_at = models.PositiveSmallIntegerField(
        default=1, help_text="This many counted misses send the participant a reminder."
    )
    call_at = models.PositiveSmallIntegerField(
        default=2, help_text="This many open a task for the officer to call."
    )
    review_at = models.PositiveSmallIntegerField(
        default=3, help_text="This many open a plan-review task and alert the supervisor."
    )
    silence_task_after = models.DurationField(
        default=timedelta(hours=2),
        help_text="A silent phone's officer task comes this long after its reminder.",
    )
    coverage_start = models.TimeField(
        default=time(7, 0), help_text="Silences count only from this office time..."
    )
    coverage_end = models.TimeField(
        default=time(22, 0), help_text="...to this one (equal: all day)."
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "graduated response ladder"
        constraints = [
            # One program default (office NULL); offices are unique by the one-to-one.
            models.UniqueConstraint(Coalesce("office", Value(0)), name="ladder_policy_one_default")
        ]

    def __str__(self) -> str:
        return f"Ladder for {self.office or 'the program (default)'}"


class LadderMiss(models.Model):
    """One miss on a participant's ladder. (participant, ref) is unique: a re-run job, a
    retried check-in or a repeated scan records the same miss once."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    ref = models.CharField(max_length=120)  # window:<id> | checkin:<id> | silence:<dev>:<iso>
    source = models.CharField(max_length=20, choices=MissSourceChoice.choices)
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=MissStatusChoice.choices)
    reason = models.CharField(max_length=20, blank=True)  # a TechnicalReason when technical
    rung = models.PositiveSmallIntegerField(default=0)  # the rung this miss reached (0: none)
    responses = models.JSONField(default=list)  # what it set off (Response values)
    detail = models.JSONField(default=dict)  # e.g. a silence's device id and last battery
    reminded_at = models.DateTimeField(null=True, blank=True)  # a silence's reminder
    ended_at = models.DateTimeField(null=True, blank=True)  # a silence: reporting again
    marked_by_label = models.CharField(max_length=150, blank=True)
    marked_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "ref"], name="ladder_miss_unique_ref")
        ]
        indexes = [
            models.Index(fields=["participant", "occurred_at"]),
            # The silence hook: open silences (not yet ended).
            models.Index(fields=["source", "ended_at"], name="ladder_miss_open_silence"),
        ]


class LadderTask(models.Model):
    """An officer task the ladder opened: call the participant, review the plan, contact a
    participant whose phone stopped reporting. One per (miss, kind)."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    miss = models.ForeignKey(LadderMiss, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=12, choices=LadderTaskKind.choices)
    status = models.CharField(
        max_length=10, choices=LadderTaskStatus.choices, default=LadderTaskStatus.OPEN
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_label = models.CharField(max_length=150, blank=True)
    note = EncryptedTextField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["miss", "kind"], name="ladder_task_one_per_miss_kind")
        ]
        indexes = [models.Index(fields=["participant", "status"])]
