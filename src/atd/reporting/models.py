"""Tables of reporting: saved cohorts and every generated report (parameters + content hash)."""

from __future__ import annotations

from django.db import models

from atd.core.fieldcrypt import EncryptedBinaryField


class Cohort(models.Model):
    """A saved set of cases defined by filters (see rules.CohortFilters)."""

    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    filters = models.JSONField()
    # A supervisor's cohort stays within their office; analysts' and admins' have none.
    office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]


class GeneratedReport(models.Model):
    """A report as it was generated: the exact parameters and the SHA-256 of its CSV (and PDF)
    content. Regenerating with the same parameters must give the same hashes."""

    class Kind(models.TextChoices):
        COHORT_STATUS = "cohort_status", "Cohort status"
        COHORT_LIST = "cohort_list", "Cohort list"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    parameters = models.JSONField()
    content = EncryptedBinaryField()  # the report's rows (A-numbers): sealed at rest
    content_sha256 = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    participants = models.PositiveIntegerField(default=0)
    office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_sha256"])]


class CaseFact(models.Model):
    """One row per case with what the cohort status report needs, derived from people's case
    history and court's per-case summary by `facts.case_facts_refresh` (incremental, run before
    every report). The status history of a case is fully described by three moments because
    its lifecycle is pending -> active -> closed and closed is final."""

    case_id = models.BigIntegerField(primary_key=True)
    participant_id = models.BigIntegerField(db_index=True)
    nationality = models.CharField(max_length=2)
    office_id = models.BigIntegerField()
    office_since = models.DateTimeField()
    release_date = models.DateField()
    release_type = models.CharField(max_length=16)
    facility = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=24, blank=True)
    nta_issued_on = models.DateField(null=True, blank=True)
    nta_recorded_at = models.DateTimeField(null=True, blank=True)
    nta_served_on = models.DateField(null=True, blank=True)
    nta_served_recorded_at = models.DateTimeField(null=True, blank=True)
    ntr_report_by = models.DateField(null=True, blank=True)
    ntr_reported_on = models.DateField(null=True, blank=True)
    ntr_reported_recorded_at = models.DateTimeField(null=True, blank=True)
    legal_status = models.CharField(max_length=24, blank=True)
    legal_effective_on = models.DateField(null=True, blank=True)
    legal_recorded_at = models.DateTimeField(null=True, blank=True)
    # The step before the latest: answers "as of" dates between the two without reading the
    # timeline; only people with three or more steps, the last two both too late, need it.
    legal_prev_status = models.CharField(max_length=24, blank=True)
    legal_prev_effective_on = models.DateField(null=True, blank=True)
    legal_prev_recorded_at = models.DateTimeField(null=True, blank=True)
    legal_events = models.PositiveIntegerField(default=1)
    fta_count = models.PositiveIntegerField(default=0)
    # Status changes off the plain pending -> active -> closed path (to or from at large, a
    # reopening): when any, the status as of a date is read from the case's status history.
    irregular_changes = models.PositiveIntegerField(default=0)
    # Settled answer (`cohort_sql.case_facts_settle`): once every date on the row has passed
    # (`settled_on` <= as-of) and every moment on it is known (`settled_at` <= cutoff), the
    # report's answer for this case no longer depends on the as-of date or the knowledge time;
    # `settled_key` is that answer, packed. NULL: never settled (failures to appear on record:
    # the missed-obligation window moves with the date) or not computed yet; such rows are
    # evaluated in full.
    settled_on = models.DateField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_key = models.BigIntegerField(null=True, blank=True)

    class Meta:
        # The few rows that may need a look-up (cohort_sql._LOOKUP) are found through these
        # instead of a second scan of every row: a failure to appear on record, a legal
        # timeline of three or more steps, a reassignment after the cutoff, a status history off
        # the plain path (at large, reopened).
        indexes = [
            models.Index(
                fields=["case_id"], condition=models.Q(fta_count__gt=0), name="case_fact_fta"
            ),
            models.Index(
                fields=["case_id"],
                condition=models.Q(legal_events__gt=2),
                name="case_fact_long_legal",
            ),
            models.Index(fields=["office_since"], name="case_fact_office_since"),
            models.Index(
                fields=["case_id"],
                condition=models.Q(irregular_changes__gt=0),
                name="case_fact_irregular",
            ),
        ]


class FactWatermark(models.Model):
    """How far the incremental refresh has read each source."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)
