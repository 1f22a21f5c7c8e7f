"""Tables of court: notices and their service, hearings and outcomes, the legal status timeline.

Every row carries both the date it took effect and the moment it was recorded, so a report
"as of" a date can be recomputed later exactly as it was known then (see reporting)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atd.core.fieldcrypt import EncryptedTextField
from atd.court.choices import HearingOutcome, HearingType, LegalStatus, NoticeKind, ServiceMethod


class Notice(models.Model):
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("people.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=4, choices=NoticeKind.choices)
    issued_on = models.DateField()
    # Notice to Report: the date by which the person must report to the office.
    report_by = models.DateField(null=True, blank=True)
    reported_on = models.DateField(null=True, blank=True)
    served_on = models.DateField(null=True, blank=True)
    service_method = models.CharField(max_length=16, choices=ServiceMethod.choices, blank=True)
    served_recorded_at = models.DateTimeField(null=True, blank=True)
    reported_recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            # Re-entering the same notice (e.g. from a repeated feed) changes nothing.
            models.UniqueConstraint(
                fields=["case", "kind", "issued_on"], name="court_notice_unique_per_case"
            ),
            models.CheckConstraint(
                condition=Q(served_on__isnull=True) | Q(served_on__gte=models.F("issued_on")),
                name="court_notice_served_after_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "served_on"]),
            models.Index(fields=["kind", "reported_on", "report_by"]),
            models.Index(fields=["participant"]),
        ]


class Hearing(models.Model):
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("people.Case", on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField()
    court_name = models.CharField(max_length=200)
    # Told to the participant in every reminder: where to go, and the zone the court keeps time
    # in (blank: the zone of the case's office).
    court_address = models.CharField(max_length=300, blank=True)
    court_timezone = models.CharField(max_length=64, blank=True)
    hearing_type = models.CharField(max_length=16, choices=HearingType.choices)
    outcome = models.CharField(max_length=20, choices=HearingOutcome.choices, blank=True)
    outcome_note = EncryptedTextField(max_length=500, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)
    # Bumped on each reschedule, so reminders for the new date are sent again.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["scheduled_at", "outcome"]),
            models.Index(fields=["participant", "scheduled_at"]),
        ]


class LegalStatusEvent(models.Model):
    """One step of a person's legal status; the status at a date is the latest step on or
    before it (by effective date, then by recording order)."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "people.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=24, choices=LegalStatus.choices)
    effective_on = models.DateField()
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=64, blank=True)
    note = EncryptedTextField(max_length=500, blank=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["effective_on", "recorded_at", "id"]
        indexes = [models.Index(fields=["participant", "effective_on"])]


class CaseCourtSummary(models.Model):
    """One row per case with its latest notices and legal status, kept by the court services in
    the same transaction as the rows it summarises. Reports read this instead of three history
    tables; the dates in it still answer "as of" questions (see reporting.cohort_sql)."""

    case = models.OneToOneField(
        "people.Case", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.CASCADE, related_name="+"
    )
    nta_issued_on = models.DateField(null=True, blank=True)
    nta_recorded_at = models.DateTimeField(null=True, blank=True)
    nta_served_on = models.DateField(null=True, blank=True)
    nta_served_recorded_at = models.DateTimeField(null=True, blank=True)
    ntr_report_by = models.DateField(null=True, blank=True)
    ntr_reported_on = models.DateField(null=True, blank=True)
    ntr_reported_recorded_at = models.DateTimeField(null=True, blank=True)
    legal_status = models.CharField(max_length=24, blank=True)
    legal_status_effective_on = models.DateField(null=True, blank=True)
    legal_status_recorded_at = models.DateTimeField(null=True, blank=True)
    # Failures to appear ever recorded: reports look at hearing dates only when this is > 0.
    fta_count = models.PositiveIntegerField(default=0)
    # Wall-clock time of the last change (not the simulated clock): reporting refreshes the
    # rows changed since its last pass.
    changed_at = models.DateTimeField(auto_now=True, db_index=True)


class DepartureCase(models.Model):
    """Voluntary-departure assistance: travel document, departure date, confirmation. A
    confirmed departure closes the case with that reason (through the legal status timeline)."""

    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("people.Case", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, default="open")
    travel_document_status = models.CharField(max_length=16, default="not_requested")
    travel_document_requested_on = models.DateField(null=True, blank=True)
    travel_document_issued_on = models.DateField(null=True, blank=True)
    planned_departure_on = models.DateField(null=True, blank=True)
    departed_on = models.DateField(null=True, blank=True)
    device_return_required = models.BooleanField(default=False)
    note = EncryptedTextField(max_length=500, blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=150)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(max_length=150, blank=True)
    # Asked for by the participant from the portal (issue 19), or opened by an officer.
    requested_via = models.CharField(max_length=12, default="officer")
    participant_statement = EncryptedTextField(blank=True)
    needs_travel_document = models.BooleanField(default=False)
    # The officer's task: contact the participant and start the travel document.
    task_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_due_at = models.DateTimeField(null=True, blank=True)
    task_done_at = models.DateTimeField(null=True, blank=True)
    task_done_by = models.CharField(max_length=150, blank=True)
    # How the departure was verified (who: confirmed_by / verified_by; when: confirmed_at).
    verification_method = models.CharField(max_length=24, blank=True)
    verification_note = EncryptedTextField(max_length=500, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="court_one_open_departure"
            )
        ]
