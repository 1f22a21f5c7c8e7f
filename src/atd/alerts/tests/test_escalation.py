"""Escalation: an alert not acknowledged within its SLA goes to the office supervisor, then to
the on-call list; restart-safe and never twice."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from atd.alerts.models import Alert, AlertTransition, Notification, OnCallEntry
from atd.alerts.services import alert_acknowledge
from atd.alerts.services.escalation import alert_escalate_due
from atd.alerts.services.preferences import officer_preference_set
from atd.alerts.tests.test_lifecycle import raise_alert
from atd.core import clock
from atd.core.scope import Scope
from atd.testing.world import World


@pytest.mark.django_db
def test_unacknowledged_critical_alert_escalates_to_the_office_supervisor(world: World) -> None:
    alert = raise_alert(world)
    start = clock.now()
    with clock.frozen_at(start + timedelta(minutes=14)):
        assert alert_escalate_due().escalated == 0
    with clock.frozen_at(start + timedelta(minutes=16)):
        run = alert_escalate_due()
    assert run.escalated == 1
    assert Alert.objects.get(pk=alert.pk).escalation_level == 1
    to = set(
        Notification.objects.filter(kind="alert.escalation.1").values_list("user_id", flat=True)
    )
    assert to == {world.users["supervisor"].pk}


@pytest.mark.django_db
def test_running_the_job_again_changes_nothing(world: World) -> None:
    raise_alert(world)
    with clock.frozen_at(clock.now() + timedelta(minutes=20)):
        alert_escalate_due()
        again = alert_escalate_due()
    assert again.escalated == 0
    assert AlertTransition.objects.filter(action="escalate").count() == 1
    assert Notification.objects.filter(kind__startswith="alert.escalation").count() == 1


@pytest.mark.django_db
def test_a_worker_that_was_down_catches_up_to_the_on_call_list(world: World) -> None:
    alert = raise_alert(world)
    OnCallEntry.objects.create(office=world.office_a, user=world.users["contractor_specialist"])
    with clock.frozen_at(clock.now() + timedelta(hours=3)):
        alert_escalate_due()
    levels = list(
        AlertTransition.objects.filter(alert=alert, action="escalate").values_list(
            "escalation_level", flat=True
        )
    )
    assert levels == [1, 2]
    level2 = Notification.objects.filter(kind="alert.escalation.2").values_list(
        "user_id", flat=True
    )
    assert list(level2) == [world.users["contractor_specialist"].pk]


@pytest.mark.django_db
def test_on_call_list_pages_only_officers_in_their_hours_when_someone_is(world: World) -> None:
    alert = raise_alert(world)
    in_hours = world.users["contractor_specialist"]
    off_hours = world.users["officer_b"]
    OnCallEntry.objects.create(office=world.office_a, user=off_hours, position=1)
    OnCallEntry.objects.create(office=world.office_a, user=in_hours, position=2)
    officer_preference_set(
        actor=in_hours,
        user_id=in_hours.pk,
        on_call_weekdays=list(range(7)),
        on_call_start=time(0, 0),
        on_call_end=time(23, 59),
        timezone="UTC",
        page_severities=["critical"],
        channels=["in_app"],
    )
    with clock.frozen_at(alert.ack_due_at + timedelta(minutes=16)):
        alert_escalate_due()
    level2 = Notification.objects.filter(kind="alert.escalation.2").values_list(
        "user_id", flat=True
    )
    assert list(level2) == [in_hours.pk]


@pytest.mark.django_db
def test_an_acknowledged_alert_does_not_escalate(world: World) -> None:
    alert = raise_alert(world)
    user = world.users["case_officer"]
    alert_acknowledge(actor=user, scope=Scope.for_user(user), alert_id=alert.pk)
    with clock.frozen_at(clock.now() + timedelta(hours=1)):
        assert alert_escalate_due().escalated == 0


@pytest.mark.django_db
def test_demo_seed_raises_alerts_and_one_escalation(world: World) -> None:
    from atd.alerts.demo import alerts_demo_seed

    alerts_demo_seed({})
    assert Alert.objects.count() == 3
    assert Alert.objects.filter(escalation_level__gte=1).count() == 1
