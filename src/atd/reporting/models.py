"""Tables of reporting: saved cohorts and every generated report (parameters + content hash)."""

from __future__ import annotations

from django.db import models


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
    content = models.BinaryField()
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
