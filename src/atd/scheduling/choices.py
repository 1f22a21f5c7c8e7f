"""Statuses and kinds of appointments, importable without the tables."""

from django.db import models


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    ATTENDED = "attended", "Attended"
    MISSED = "missed", "Missed"


class AppointmentKind(models.TextChoices):
    CHECKIN = "checkin", "In-person check-in"
    FIRST_REPORT = "first_report", "First report"
    AD_HOC = "ad_hoc", "Appointment booked by an officer"


class BookedBy(models.TextChoices):
    SCHEDULER = "scheduler", "Automatic scheduler"
    OFFICER = "officer", "Officer"
    PARTICIPANT = "participant", "Participant"
