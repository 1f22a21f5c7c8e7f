"""Statuses, sources and reasons of reviews and appeals, importable without the tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewSource(models.TextChoices):
    PORTAL = "portal", "Requested by the participant (portal)"
    OFFICER = "officer", "Received on paper or by phone (entered by an officer)"
    SYSTEM = "system", "Proposed by the system (eligible)"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    OVERTURNED = "overturned", _("Denial overturned: approved")
    UPHELD = "upheld", _("Denial upheld")


class DecisionReason(models.TextChoices):
    SUSTAINED_COMPLIANCE = "sustained_compliance", "Sustained compliance"
    SHORT_RECORD = "short_record", "Not yet supervised long enough"
    MISSED_CHECKINS = "missed_checkins", "Missed check-ins in the review period"
    UNRESOLVED_ALERTS = "unresolved_alerts", "Unresolved alerts"
    MISSED_HEARING = "missed_hearing", "Missed a court hearing"
    COURT_ORDER = "court_order", "Court order or legal requirement"
    LOWEST_LEVEL = "lowest_level", "Already at the least restrictive level"
    OTHER = "other", "Other (explained in the text)"
