"""Statuses and kinds of people and cases, importable without the tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other / not recorded"


class ReleaseType(models.TextChoices):
    PAROLE = "parole", "Parole"
    NOTICE_TO_REPORT = "ntr", "Notice to report"
    NOTICE_TO_APPEAR = "nta", "Notice to appear"
    RECOGNIZANCE = "recognizance", "Order of recognizance"
    OTHER = "other", "Other"


class CaseStatus(models.TextChoices):
    PENDING_FIRST_REPORT = "pending_first_report", _("Pending first report")
    ACTIVE = "active", _("Active")
    # Open, but the program has lost contact: set by rule and confirmed by an officer (issue 19).
    AT_LARGE = "at_large", _("At large")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    REMOVED = "removed", "Removed"
    VOLUNTARILY_DEPARTED = "voluntarily_departed", "Voluntarily departed"
    DECEASED = "deceased", "Deceased"
    TAKEN_INTO_CUSTODY = "taken_into_custody", "Taken into custody"
    RELIEF_GRANTED = "relief_granted", "Relief granted"
    TRANSFERRED = "transferred", "Transferred"
    # The participant chose to leave the program; court obligations stay on the record.
    LEFT_PROGRAM = "left_program", "Left the program"
    OTHER = "other", "Other"
