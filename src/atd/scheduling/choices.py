"""Statuses and kinds of appointments, importable without the tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    MISSED = "missed", _("Missed")


class AppointmentKind(models.TextChoices):
    CHECKIN = "checkin", _("In-person check-in")
    FIRST_REPORT = "first_report", _("First report")
    AD_HOC = "ad_hoc", _("Appointment booked by an officer")


class BookedBy(models.TextChoices):
    SCHEDULER = "scheduler", "Automatic scheduler"
    OFFICER = "officer", "Officer"
    PARTICIPANT = "participant", "Participant"
