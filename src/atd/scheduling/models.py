"""Tables of scheduling: office capacity, holidays, staffing overrides and appointments."""

from __future__ import annotations

from datetime import time

from django.db import models
from django.db.models import Q

from atd.core.fieldcrypt import EncryptedTextField
from atd.scheduling.choices import AppointmentKind, AppointmentStatus, BookedBy


def _weekdays_default() -> list[int]:
    return [0, 1, 2, 3, 4]


class OfficeCapacity(models.Model):
    """An office's standing capacity. An office without a row uses the settings' defaults."""

    office = models.OneToOneField(
        "people.Office", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    slots_per_staff_day = models.PositiveIntegerField(default=16)
    staff_on_duty = models.PositiveIntegerField(default=2)
    open_weekdays = models.JSONField(default=_weekdays_default)  # 0 = Monday ... 6 = Sunday
    slot_minutes = models.PositiveIntegerField(default=30)
    day_start = models.TimeField(default=time(8, 30))
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="office_capacity_slot_minutes_min"
            )
        ]


class OfficeHoliday(models.Model):
    office = models.ForeignKey("people.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="office_holiday_unique_day")
        ]


class StaffAvailability(models.Model):
    """Staff on duty on one day when it differs from the standing count (leave, training)."""

    office = models.ForeignKey("people.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    staff_on_duty = models.PositiveIntegerField()
    note = EncryptedTextField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="staff_availability_unique_day")
        ]


class Appointment(models.Model):
    """One in-person appointment in one numbered slot of an office day (office-local date).

    Capacity is enforced by the database, not by check-then-insert: a booked appointment owns
    (office, day, slot), and slot numbers are below the day's capacity. One obligation (kind +
    due date) has at most one booked appointment, so re-running the scheduler books nothing
    twice."""

    # Foreign keys without a database constraint (ADR 0010): a per-row FK trigger was more
    # than half of the database's work when the scheduler books millions of rows. Writers
    # check the keys instead (the scheduler in bulk, one query per office; the one-row
    # services read the participant and the locked office first), participants and offices
    # are never deleted, and PROTECT still refuses a delete through the ORM.
    # No plain index on participant either: a booked row is found by the obligation key's
    # (participant, kind, due date) index and any other row by the partial history index
    # below, which bulk booking never touches (it writes booked rows only). A plain index
    # was a second participant-keyed index written at a random place for every booked row:
    # 40 % of the time to book a year of 8 M appointments (docs/scheduling.md).
    participant = models.ForeignKey(
        "people.Participant",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # No plain index on office: every office query is over booked rows, which the slot
    # constraint's (office, day, slot) index serves; fewer indexes keep bulk booking fast.
    office = models.ForeignKey(
        "people.Office",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    day = models.DateField()
    slot = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    due_date = models.DateField()
    deadline = models.DateField()
    is_late = models.BooleanField(default=False)
    booked_by = models.CharField(max_length=16, choices=BookedBy.choices)
    reschedule_count = models.PositiveIntegerField(default=0)
    cancel_reason = EncryptedTextField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "slot"],
                condition=Q(status="booked"),
                name="appointment_one_per_slot",
            ),
            models.UniqueConstraint(
                fields=["participant", "kind", "due_date"],
                condition=Q(status="booked"),
                name="appointment_one_per_obligation",
            ),
        ]
        indexes = [
            # A participant's rows that are not booked (cancelled, attended, missed); the
            # booked ones are in the obligation index. `appointment_list_read` reads the two
            # apart, each from its own index.
            models.Index(
                fields=["participant", "day"],
                condition=~Q(status="booked"),
                name="appointment_unbooked_by_person",
            ),
            # Only late rows, and every column the backlog report reads, so counting the
            # late people of all offices never touches the table.
            models.Index(
                fields=["office", "day", "status", "is_late"],
                condition=Q(status="booked", is_late=True),
                name="appointment_late_office_day",
            ),
        ]
