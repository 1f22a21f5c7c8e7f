"""Notification delivery through the channel plug-ins: attempts recorded, failures retried."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import override_settings

from atd.alerts.channels import OutgoingMessage, channels_override
from atd.alerts.channels.email import EmailChannel
from atd.alerts.channels.email.fake import FakeMailer
from atd.alerts.channels.in_app import InAppChannel
from atd.alerts.channels.in_app.fake import FakeInbox
from atd.alerts.channels.sms import ConsoleSmsGateway, SmsChannel
from atd.alerts.channels.sms.fake import FakeSmsGateway
from atd.alerts.channels.webhook import WebhookChannel, signature
from atd.alerts.channels.webhook.fake import FakeWebhookTransport
from atd.alerts.models import DeliveryAttempt, Notification
from atd.alerts.services import notification_enqueue
from atd.alerts.services.delivery import notification_deliver_due
from atd.alerts.services.preferences import officer_preference_set
from atd.alerts.tests.test_lifecycle import raise_alert
from atd.core import clock
from atd.testing.world import World


def _msg(address: str = "x@example.org") -> OutgoingMessage:
    return OutgoingMessage(notification_id=1, kind="k", subject="S", body="B", address=address)


def test_email_channel_sends_through_djangos_backend() -> None:
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        result = EmailChannel().send(_msg("officer@example.org"))
    assert result.ok
    assert mail.outbox[-1].to == ["officer@example.org"]


def test_console_sms_gateway_accepts_messages_for_development() -> None:
    assert SmsChannel(ConsoleSmsGateway()).send(_msg("+1 312 555 0100")).ok


def test_webhook_is_signed_with_the_shared_secret() -> None:
    transport = FakeWebhookTransport()
    WebhookChannel(transport, secret="s3cret").send(_msg("https://agency.example/hook"))
    url, body, headers = transport.posted[0]
    import json

    raw = json.dumps(body, sort_keys=True).encode()
    assert headers["X-ATD-Signature"] == signature("s3cret", raw)


def test_missing_address_is_a_failed_attempt_not_a_crash() -> None:
    assert not SmsChannel(FakeSmsGateway()).send(_msg("")).ok


@pytest.mark.django_db
def test_participant_reminder_goes_by_sms_and_failures_are_retried(world: World) -> None:
    participant = world.participants["officer_a"]
    notification_enqueue(
        kind="reminder.checkin",
        subject="Recordatorio",
        body="Su ventana de registro abre mañana.",
        dedupe_key="r1",
        participant_id=participant.pk,
        language="es",
    )
    gateway = FakeSmsGateway(fail_next=1)
    with channels_override(sms=SmsChannel(gateway)):
        first = notification_deliver_due()
        assert first.retried == 1
        assert notification_deliver_due().claimed == 0  # backing off
        with clock.frozen_at(clock.now() + timedelta(minutes=1)):
            assert notification_deliver_due().sent == 1
    n = Notification.objects.get(dedupe_key="r1")
    assert n.status == "sent"
    # Sent to the number in E.164, whatever its spelling on file ("+1 312 555 0100").
    assert participant.phone == "+1 312 555 0100"
    assert gateway.sent == [("+13125550100", "Recordatorio: Su ventana de registro abre mañana.")]
    attempts = list(DeliveryAttempt.objects.filter(notification=n).values_list("ok", flat=True))
    assert attempts == [False, True]


@pytest.mark.django_db
def test_a_message_that_keeps_failing_is_marked_failed_and_audited(world: World) -> None:
    from atd.core.models import AuditEntry

    notification_enqueue(
        kind="reminder",
        subject="s",
        body="b",
        dedupe_key="r2",
        participant_id=world.participants["officer_a"].pk,
    )
    gateway = FakeSmsGateway(fail_next=99)
    with channels_override(sms=SmsChannel(gateway)):
        for minutes in range(0, 60, 11):
            with clock.frozen_at(clock.now() + timedelta(minutes=minutes)):
                notification_deliver_due()
    n = Notification.objects.get(dedupe_key="r2")
    assert n.status == "failed"
    assert DeliveryAttempt.objects.filter(notification=n).count() == 4
    assert AuditEntry.objects.filter(action="notification.failed").exists()


def officer_pages_by_all_channels(world: World) -> None:
    """The case officer is on call all week and is paged for critical alerts in the app, by
    e-mail and by text."""
    user = world.users["case_officer"]
    user.email = "officer@example.org"
    user.save()
    officer_preference_set(
        actor=user,
        user_id=user.pk,
        on_call_weekdays=list(range(7)),
        on_call_start=time(0, 0),
        on_call_end=time(23, 59),
        timezone="UTC",
        page_severities=["critical"],
        channels=["in_app", "email", "sms"],
        phone="+1 312 555 0199",
    )


@pytest.mark.django_db
def test_new_critical_alert_pages_the_officer_by_their_chosen_channels(world: World) -> None:
    officer_pages_by_all_channels(world)
    inbox, mailer, sms = FakeInbox(), FakeMailer(), FakeSmsGateway()
    raise_alert(world)
    with channels_override(
        in_app=InAppChannel(inbox), email=EmailChannel(mailer), sms=SmsChannel(sms)
    ):
        run = notification_deliver_due()
    assert run.sent == 1
    assert len(inbox.shown) == 1 and len(mailer.sent) == 1 and len(sms.sent) == 1
    assert mailer.sent[0]["subject"].startswith("[critical]")


@pytest.mark.django_db
def test_a_medium_alert_does_not_page_an_officer_who_chose_critical_only(world: World) -> None:
    user = world.users["case_officer"]
    officer_preference_set(
        actor=user,
        user_id=user.pk,
        on_call_weekdays=list(range(7)),
        on_call_start=time(0, 0),
        on_call_end=time(23, 59),
        timezone="UTC",
        page_severities=["critical"],
        channels=["sms"],
        phone="+1 312 555 0199",
    )
    sms = FakeSmsGateway()
    raise_alert(world, kind="battery_low")
    with channels_override(sms=SmsChannel(sms)):
        assert notification_deliver_due().sent == 1  # in-app only
    assert sms.sent == []


@pytest.mark.django_db
@override_settings(ATD_ALERT_WEBHOOK_URL="https://agency.example/hook")
def test_every_new_alert_is_posted_to_the_agency_webhook(world: World) -> None:
    transport = FakeWebhookTransport(statuses=[503])
    alert = raise_alert(world)
    with channels_override(webhook=WebhookChannel(transport, secret="k")):
        notification_deliver_due()
        with clock.frozen_at(clock.now() + timedelta(minutes=1)):
            notification_deliver_due()
    assert [p[1]["alert"]["id"] for p in transport.posted] == [alert.pk, alert.pk]
    assert Notification.objects.get(channel="webhook").status == "sent"


def test_webhook_really_posts_to_an_http_endpoint() -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from atd.alerts.channels.webhook import UrllibTransport

    received: list[tuple[dict, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((json.loads(body), self.headers["X-ATD-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        result = WebhookChannel(UrllibTransport(timeout=5), secret="k").send(_msg(url))
    finally:
        thread.join(timeout=5)
        server.server_close()
    assert result.ok
    assert received[0][0]["subject"] == "S"
    assert received[0][1].startswith("sha256=")
