"""Hearing reminders at 7 days, 1 day and the morning of the hearing: in the participant's
language, with the court's address, the time in the court's zone (named) and what to bring;
each sent once however often the job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atd.alerts.models import Notification
from atd.core import clock
from atd.core.scope import Scope
from atd.court import rules, services, tasks
from atd.testing.world import World

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
# 10:00 in Denver (MDT, UTC-6) on 2026-06-11: the court keeps Mountain time, the office Central.
HEARING = datetime(2026, 6, 11, 16, 0, tzinfo=UTC)
ADDRESS = "1961 Fictional St, Suite 1000, Denver, CO 80202"


def test_the_morning_of_reminder_is_at_seven_in_the_courts_zone_or_two_hours_before() -> None:
    assert rules.hearing_morning_of(HEARING, "America/Denver") == datetime(
        2026, 6, 11, 13, 0, tzinfo=UTC
    )
    early = datetime(2026, 6, 11, 13, 30, tzinfo=UTC)  # 07:30 Denver
    assert rules.hearing_morning_of(early, "America/Denver") == early - timedelta(hours=2)
    due = rules.hearing_reminders_due
    assert due(scheduled_at=HEARING, now=HEARING - timedelta(days=8), zone="America/Denver") == []
    assert due(scheduled_at=HEARING, now=HEARING - timedelta(days=6), zone="America/Denver") == [
        "7d"
    ]
    assert due(scheduled_at=HEARING, now=HEARING - timedelta(hours=20), zone="America/Denver") == [
        "1d"
    ]
    assert due(scheduled_at=HEARING, now=HEARING - timedelta(hours=2), zone="America/Denver") == [
        "day"
    ]


def test_a_spanish_hearing_reminder_says_where_when_in_the_courts_zone_and_what_to_bring(
    world: World,
) -> None:
    scope = Scope.for_user(world.user("case_officer"))
    with clock.frozen_at(NOW):
        hearing = services.hearing_schedule(
            actor=world.user("case_officer"),
            scope=scope,
            case_id=world.cases["officer_a"].pk,
            scheduled_at=HEARING,
            court_name="Corte de Inmigración de Denver",
            court_address=ADDRESS,
            court_timezone="America/Denver",
            hearing_type="master",
        )
    moments = [
        HEARING - timedelta(days=6),
        HEARING - timedelta(hours=20),
        HEARING - timedelta(hours=2),
    ]
    for moment in moments:
        with clock.frozen_at(moment):
            # Twice, as a job that ran on two replicas or was retried: one message each.
            tasks.court_checks_run()
            tasks.court_checks_run()
    reminders = list(
        Notification.objects.filter(dedupe_key__startswith=f"court.hearing:{hearing.pk}:r1:")
        .exclude(kind="hearing_scheduled")
        .order_by("pk")
    )
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in reminders] == ["7d", "1d", "day"]
    assert [n.kind for n in reminders] == [
        "hearing_reminder",
        "hearing_reminder",
        "hearing_reminder_day",
    ]
    week = reminders[0]
    assert week.language == "es"
    assert week.subject == "Recordatorio de audiencia"
    assert ADDRESS in week.body  # the court's address
    assert "2026-06-11 10:00 MDT" in week.body  # the court's time, its zone named
    assert "Traiga este aviso, una identificación con foto" in week.body  # what to bring
    assert "Corte de Inmigración de Denver" in week.body
    assert reminders[2].subject == "Su audiencia es hoy"


def test_an_unknown_court_zone_is_refused(world: World) -> None:
    from atd.core.errors import ValidationFailed

    with clock.frozen_at(NOW), pytest.raises(ValidationFailed):
        services.hearing_schedule(
            actor=world.user("case_officer"),
            scope=Scope.for_user(world.user("case_officer")),
            case_id=world.cases["officer_a"].pk,
            scheduled_at=HEARING,
            court_name="Court",
            court_timezone="Mars/Olympus",
            hearing_type="master",
        )
