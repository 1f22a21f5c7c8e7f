"""Quiet hours (local to the participant's office), the urgent messages they never hold, and
legally required notices that still reach a participant who replied STOP."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from atd.alerts.channels import channels_override
from atd.alerts.channels.in_app import InAppChannel
from atd.alerts.channels.sms import SmsChannel
from atd.alerts.channels.sms.fake import FakeSmsGateway
from atd.alerts.models import DeliveryAttempt, Notification, SmsOptOut
from atd.alerts.rules import (
    QuietHours,
    message_delivery_state,
    quiet_hours_parse,
    quiet_hours_release,
    sms_reply_intent,
)
from atd.alerts.services import notification_enqueue
from atd.alerts.services.delivery import notification_deliver_due
from atd.core import clock
from atd.people.models import Participant
from atd.testing.world import World

NIGHT = QuietHours(time(21, 0), time(8, 0))
# Office A keeps America/Chicago time (CST in December: UTC-6).
AT_2300_CHICAGO = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # 23:00 on the 6th, Chicago
AT_0801_CHICAGO = datetime(2026, 12, 7, 14, 1, tzinfo=UTC)
AT_0800_CHICAGO = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


def test_quiet_hours_are_read_from_the_setting() -> None:
    assert quiet_hours_parse("21:00-08:00") == NIGHT
    assert quiet_hours_parse("off") is None
    for bad in ("21-8", "25:00-08:00", "08:00-08:00", "x"):
        with pytest.raises(ValueError, match="quiet hours"):
            quiet_hours_parse(bad)


def test_a_text_at_night_waits_until_the_morning_in_the_participants_zone() -> None:
    assert quiet_hours_release(NIGHT, AT_2300_CHICAGO, "America/Chicago") == AT_0800_CHICAGO
    # Early morning, before the end: the same morning.
    early = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # 06:00 Chicago
    assert quiet_hours_release(NIGHT, early, "America/Chicago") == AT_0800_CHICAGO
    # 23:00 in Chicago is 00:00 in New York: still quiet there, released at 08:00 New York.
    assert quiet_hours_release(NIGHT, AT_2300_CHICAGO, "America/New_York") == datetime(
        2026, 12, 7, 13, 0, tzinfo=UTC
    )
    # Daytime, or no quiet hours: at once.
    assert quiet_hours_release(NIGHT, AT_0801_CHICAGO, "America/Chicago") is None
    assert quiet_hours_release(None, AT_2300_CHICAGO, "America/Chicago") is None
    # A span that does not cross midnight (13:00-14:00).
    lunch = QuietHours(time(13, 0), time(14, 0))
    at_1330 = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)
    assert quiet_hours_release(lunch, at_1330, "America/Chicago") == datetime(
        2026, 12, 7, 20, 0, tzinfo=UTC
    )


def test_stop_and_start_words_in_the_programs_languages() -> None:
    for word in ("STOP", "Parar", "PARE", "arrêt", "ARRET", "baja", "Sair"):
        assert sms_reply_intent(word) == "stop", word
    for word in ("START", "comenzar", "Começar", "reprendre"):
        assert sms_reply_intent(word) == "start", word
    assert sms_reply_intent("Parada en la esquina") == ""
    assert sms_reply_intent("¿por qué?") == ""


def test_the_officer_reads_one_delivery_state() -> None:
    assert message_delivery_state("queued", "") == "queued"
    assert message_delivery_state("sent", "") == "sent"
    assert message_delivery_state("sent", "queued") == "sent"
    assert message_delivery_state("sent", "delivered") == "delivered"
    assert message_delivery_state("sent", "undelivered") == "failed"
    assert message_delivery_state("failed", "") == "failed"


def _queue(world: World, kind: str, key: str) -> Notification:
    notification_enqueue(
        kind=kind,
        subject="Recordatorio",
        body="Texto.",
        dedupe_key=key,
        participant_id=world.participants["officer_a"].pk,
        language="es",
    )
    return Notification.objects.get(dedupe_key=key)


@pytest.mark.django_db
def test_quiet_hours_hold_a_reminder_but_not_the_morning_of_hearing_reminder(
    world: World, settings: Any
) -> None:
    settings.ATD_QUIET_HOURS = "21:00-08:00"
    gateway = FakeSmsGateway()
    with clock.frozen_at(AT_2300_CHICAGO), channels_override(sms=SmsChannel(gateway)):
        held = _queue(world, "hearing_reminder", "q1")
        urgent = _queue(world, "hearing_reminder_day", "q2")
        closing = _queue(world, "checkin_window_closing", "q3")
        run = notification_deliver_due()
    assert (run.held, run.sent) == (1, 2)
    held.refresh_from_db()
    assert held.status == "queued" and held.send_after == AT_0800_CHICAGO
    assert not DeliveryAttempt.objects.filter(notification=held).exists()  # held, not failed
    assert {urgent.pk, closing.pk} == set(
        Notification.objects.filter(status="sent").values_list("pk", flat=True)
    )
    with clock.frozen_at(AT_0801_CHICAGO), channels_override(sms=SmsChannel(gateway)):
        assert notification_deliver_due().sent == 1
    held.refresh_from_db()
    assert held.status == "sent" and len(gateway.sent) == 3


@pytest.mark.django_db
def test_quiet_hours_do_not_hold_email(world: World, settings: Any) -> None:
    settings.ATD_QUIET_HOURS = "21:00-08:00"
    Participant.objects.filter(pk=world.participants["officer_a"].pk).update(
        phone="", email="ana@example.org"
    )
    with clock.frozen_at(AT_2300_CHICAGO):
        n = _queue(world, "hearing_reminder", "mail")
        assert notification_deliver_due().sent == 1
    assert DeliveryAttempt.objects.get(notification=n).channel == "email"


@pytest.mark.django_db
def test_a_hearing_notice_after_stop_without_email_becomes_a_letter_task_for_the_officer(
    world: World,
) -> None:
    participant = world.participants["officer_a"]
    SmsOptOut.objects.create(number="+13125550100", since=clock.now())
    gateway = FakeSmsGateway()
    with channels_override(sms=SmsChannel(gateway), in_app=InAppChannel()):
        notice = _queue(world, "hearing_reminder", "legal")
        ordinary = _queue(world, "appointment_reminder", "plain")
        notification_deliver_due()
        notification_deliver_due()  # the officer's task, and a second pass changes nothing
    assert gateway.sent == []  # no text after STOP
    assert DeliveryAttempt.objects.get(notification=notice).channel == "in_app"
    task = Notification.objects.get(kind="letter_needed")
    assert task.user_id == world.users["case_officer"].pk
    assert "letter" in task.body and str(participant.pk) in task.body
    assert Notification.objects.filter(kind="letter_needed").count() == 1
    # An ordinary reminder makes no task.
    assert not Notification.objects.filter(dedupe_key__contains=f":{ordinary.pk}:").exists()


@pytest.mark.django_db
def test_a_hearing_notice_after_stop_goes_by_email_when_there_is_one(world: World) -> None:
    Participant.objects.filter(pk=world.participants["officer_a"].pk).update(
        email="ana@example.org"
    )
    SmsOptOut.objects.create(number="+13125550100", since=clock.now())
    with channels_override(sms=SmsChannel(FakeSmsGateway())):
        notice = _queue(world, "hearing_reminder", "legal-mail")
        notification_deliver_due()
    assert DeliveryAttempt.objects.get(notification=notice).channel == "email"
    assert not Notification.objects.filter(kind="letter_needed").exists()
