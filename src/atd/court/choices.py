"""Kinds and statuses of notices, hearings and legal status, importable without the tables."""

from django.db import models


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
