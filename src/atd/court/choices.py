"""Kinds and statuses of notices, hearings and legal status, importable without the tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    NOTICE_TO_REPORT = "ntr", "Notice to Report"
    NOTICE_TO_APPEAR = "nta", "Notice to Appear"


class ServiceMethod(models.TextChoices):
    PERSONAL = "personal", "In person"
    MAIL = "mail", "By mail"
    ELECTRONIC = "electronic", "Electronically"
    IN_CUSTODY = "in_custody", "Served in custody"
    OTHER = "other", "Other"


class HearingType(models.TextChoices):
    MASTER_CALENDAR = "master", "Master calendar hearing"
    INDIVIDUAL = "individual", "Individual (merits) hearing"
    BOND = "bond", "Bond hearing"
    OTHER = "other", "Other"


class HearingOutcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    CONTINUED = "continued", "Attended, continued to a later date"
    FAILED_TO_APPEAR = "failed_to_appear", "Failed to appear"
    CANCELLED = "cancelled", "Cancelled by the court"


class LegalStatus(models.TextChoices):
    IN_PROCEEDINGS = "in_proceedings", "In proceedings"
    FINAL_ORDER_REMOVAL = "final_order_removal", "Final order of removal"
    RELIEF_GRANTED = "relief_granted", "Relief granted"
    PROCEEDINGS_TERMINATED = "terminated", "Proceedings terminated"
    REMOVED = "removed", "Removed"
    VOLUNTARILY_DEPARTED = "voluntarily_departed", "Voluntarily departed"
    DECEASED = "deceased", "Deceased"
    IN_CUSTODY = "in_custody", "In custody"
    RELEASED_FROM_CUSTODY = "released", "Released from custody"


class TravelDocumentStatus(models.TextChoices):
    NOT_REQUESTED = "not_requested", "Not requested"
    REQUESTED = "requested", "Requested from the consulate"
    ISSUED = "issued", "Issued"
    REFUSED = "refused", "Refused"


class DepartureStatus(models.TextChoices):
    OPEN = "open", "In preparation"
    CONFIRMED = "confirmed", "Departure confirmed"
    CANCELLED = "cancelled", "Cancelled"


class DepartureRequestedVia(models.TextChoices):
    OFFICER = "officer", "Opened by an officer"
    PORTAL = "portal", "Asked for by the participant (portal)"


class DepartureVerification(models.TextChoices):
    """How a departure was verified before it counts as "departed" in the cohort report."""

    EXIT_RECORD = "exit_record", "Exit record from the border authority"
    BOARDING_CONFIRMATION = "boarding", "Boarding confirmation from the carrier"
    CONSULATE = "consulate", "Confirmation from the consulate"
    ESCORTED = "escorted", "Escorted to departure by staff"
    OTHER = "other", "Other (explained in the note)"


class DepartureStage(models.TextChoices):
    """What the participant is told about their departure request, in their language."""

    RECEIVED = "received", _("Received: your officer will contact you")
    IN_PREPARATION = "in_preparation", _("In preparation")
    DOCUMENT_REQUESTED = "document_requested", _("Travel document requested from the consulate")
    DOCUMENT_ISSUED = "document_issued", _("Travel document issued")
    DOCUMENT_REFUSED = "document_refused", _("Travel document refused: your officer will explain")
    DEPARTED = "departed", _("Departure confirmed")
    CANCELLED = "cancelled", _("Cancelled")
