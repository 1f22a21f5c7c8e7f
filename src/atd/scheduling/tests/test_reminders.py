"""Appointment reminders: a day ahead, in the participant's language, with the office's address
and the time in the office's zone (named); once, however often the job runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from atd.alerts.models import Notification
from atd.core import clock
from atd.core.scope import Scope
from atd.people.models import Office
from atd.scheduling import services
from atd.testing.world import World

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday, 09:00 in Chicago


def test_an_appointment_tomorrow_is_reminded_once_in_spanish_with_address_and_zone(
    world: World,
) -> None:
    Office.objects.filter(pk=world.office_a.pk).update(
        street="100 Example Ave", city="Chicago", state="IL", postal_code="60601"
    )
    admin = world.user("admin")
    with clock.frozen_at(NOW):
        services.capacity_set(
            actor=admin,
            scope=Scope.for_user(admin),
            office_id=world.office_a.pk,
            slots_per_staff_day=4,
            staff_on_duty=1,
            open_weekdays=[0, 1, 2, 3, 4],
            day_start=time(9, 0),
        )
        booked = services.appointment_book(
            actor=world.user("case_officer"),
            scope=Scope.for_user(world.user("case_officer")),
            participant_id=world.participants["officer_a"].pk,
            day=date(2026, 11, 25),
            reason="document review",
        )
        assert services.appointment_reminders_enqueue() == 0  # more than a day ahead
    later = booked.starts_at - timedelta(hours=20)
    with clock.frozen_at(later):
        assert services.appointment_reminders_enqueue() == 1
        assert services.appointment_reminders_enqueue() == 0  # the job ran twice: one message
    note = Notification.objects.get(kind="appointment_reminder")
    assert note.language == "es" and note.subject == "Recordatorio de cita"
    assert "100 Example Ave, Chicago, IL 60601" in note.body
    local = booked.starts_at.astimezone(ZoneInfo("America/Chicago"))
    assert local.strftime("%Y-%m-%d %H:%M CST") in note.body
    assert "identificación con foto" in note.body
