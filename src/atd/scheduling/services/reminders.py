"""Reminders of booked office appointments, a day ahead, in the participant's language, with
the office's address and the time in the office's zone (named).

Idempotent: the dedupe key names the appointment and its start time, so a job that runs twice
or on two replicas queues one message, and a rescheduled appointment is reminded again."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from atd.alerts.services import notification_enqueue
from atd.core import clock
from atd.core.languages import language_supported
from atd.core.scope import Scope
from atd.people import selectors as people
from atd.scheduling import texts
from atd.scheduling.choices import AppointmentStatus
from atd.scheduling.models import Appointment

REMINDER_LEAD = timedelta(days=1)
_SYSTEM = Scope.system()


def _when(moment: datetime, zone: str) -> str:
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


@transaction.atomic
def appointment_reminders_enqueue(*, now: datetime | None = None) -> int:
    """Queues a reminder for each booked appointment that starts within a day. Read office by
    office through the (office, day, slot) index: days are office-local, so the UTC dates
    around the next day cover them."""
    now = now or clock.now()
    horizon = now + REMINDER_LEAD
    days = [(now + timedelta(days=d)).date() for d in (-1, 0, 1, 2)]
    queued = 0
    for office in people.office_list():
        rows = list(
            Appointment.objects.filter(
                office_id=office.pk,
                status=AppointmentStatus.BOOKED,
                day__in=days,
                starts_at__gt=now,
                starts_at__lte=horizon,
            ).only("pk", "participant_id", "starts_at")
        )
        if not rows:
            continue
        languages = dict(
            people.participant_queryset_in_scope(_SYSTEM)
            .filter(pk__in={a.participant_id for a in rows})
            .values_list("pk", "preferred_language")
        )
        address = ", ".join(
            part
            for part in (office.street, office.city, f"{office.state} {office.postal_code}".strip())
            if part
        )
        for appointment in rows:
            language = language_supported(languages.get(appointment.participant_id) or "") or "en"
            subject, body = texts.appointment_reminder_text(
                language,
                office=office.name,
                address=address,
                when=_when(appointment.starts_at, office.timezone),
            )
            queued += notification_enqueue(
                kind="appointment_reminder",
                subject=subject,
                body=body,
                dedupe_key=(
                    f"scheduling:appointment:{appointment.pk}:"
                    f"{appointment.starts_at:%Y%m%dT%H%M}:1d"
                ),
                participant_id=appointment.participant_id,
                language=language,
            )
    return queued
