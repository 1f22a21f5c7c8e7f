"""Kinds and statuses of check-in windows and check-ins, importable without the tables."""

from django.db import models


class WindowSource(models.TextChoices):
    PLAN = "plan", "Supervision plan cadence"
    FIRST_REPORT = "first_report", "First report after release"


class WindowStatus(models.TextChoices):
    OPEN = "open", "Open"  # scheduled or open: not yet closed
    COMPLETED = "completed", "Checked in"
    ATTEMPTED = "attempted", "Attempted (technical failure)"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled (plan changed)"


class CheckinKind(models.TextChoices):
    REMOTE = "remote", "Remote (portal)"
    IN_PERSON = "in_person", "In person"


class CheckinStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    ATTEMPTED = "attempted", "Attempted (technical failure)"


class LocationStatus(models.TextChoices):
    VERIFIED = "verified", "Location verified"
    UNVERIFIED = "unverified", "Location unverified"
    IN_PERSON = "in_person", "At the office"


class AttemptReason(models.TextChoices):
    SERVER_ERROR = "server_error", "Server error"
    NETWORK = "network", "No network"
    LOCATION_SERVICE = "location_service", "Location service failure"


class EnrolmentSource(models.TextChoices):
    INTAKE = "intake", "Taken at intake"
    IN_PERSON = "in_person", "Taken at an in-person check-in"


class IdentityVerdict(models.TextChoices):
    MATCH = "match", "Match"
    NO_MATCH = "no_match", "No match"
    UNCLEAR = "unclear", "Unclear"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
