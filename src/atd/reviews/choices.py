"""Kinds, statuses, sources and reasons of reviews and appeals, importable without the tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewSource(models.TextChoices):
    PORTAL = "portal", "Requested by the participant (portal)"
    OFFICER = "officer", "Received on paper or by phone (entered by an officer)"
    # Said plainly: the system proposed it because the person was eligible *then*; whether the
    # rules hold today is the recommendation's business (shown next to it, rule by rule).
    SYSTEM = "system", "Proposed by the system"


class RequestKind(models.TextChoices):
    """What the participant asks for (issue 19): each has its own rules and its own outcome."""

    STEP_DOWN = "step_down", _("A less restrictive technology")
    LOWER_CADENCE = "lower_cadence", _("Fewer check-ins")
    END_MONITORING = "end_monitoring", _("End electronic monitoring (reporting continues)")
    LEAVE_PROGRAM = "leave_program", _("Leave the program")


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
    PARTICIPANT_CHOICE = "participant_choice", "The participant's own choice"
    SHORT_RECORD = "short_record", "Not yet supervised long enough"
    MISSED_CHECKINS = "missed_checkins", "Missed check-ins in the review period"
    UNRESOLVED_ALERTS = "unresolved_alerts", "Unresolved alerts"
    CRITICAL_ALERT = "critical_alert", "An open critical alert"
    MISSED_HEARING = "missed_hearing", "Missed a court hearing"
    NOT_ACKNOWLEDGED = "not_acknowledged", "Court obligations not acknowledged"
    NOT_APPLICABLE = "not_applicable", "The request does not fit the current plan"
    COURT_ORDER = "court_order", "Court order or legal requirement"
    LOWEST_LEVEL = "lowest_level", "Already at the least restrictive level"
    OTHER = "other", "Other (explained in the text)"
