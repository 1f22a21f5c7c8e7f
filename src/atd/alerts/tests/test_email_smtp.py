"""E-mail through Django's SMTP backend against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from django.test import override_settings

from atd.alerts.channels import channels_override
from atd.alerts.channels.email import EmailChannel
from atd.alerts.models import DeliveryAttempt, Notification
from atd.alerts.services import notification_enqueue
from atd.alerts.services.delivery import notification_deliver_due
from atd.core import clock
from atd.testing.world import World

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _smtp_settings(port: int) -> Any:
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
        DEFAULT_FROM_EMAIL="atd@example.org",
    )


@pytest.mark.django_db
def test_a_participant_without_a_phone_gets_the_message_by_smtp(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    participant = world.participants["officer_a"]
    participant.phone, participant.email = "", "ana@example.org"
    participant.save(update_fields=["phone", "email"])
    notification_enqueue(
        kind="review_decision",
        subject="Decisión sobre su solicitud",
        body="Su solicitud fue aprobada.",
        dedupe_key="e1",
        participant_id=participant.pk,
        language="es",
    )
    with _smtp_settings(port), channels_override(email=EmailChannel()):
        assert notification_deliver_due().sent == 1
    [(sender, recipients, message)] = inbox.messages
    assert sender == "atd@example.org"
    assert recipients == ["ana@example.org"]
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "Decisión sobre su solicitud"
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert "Su solicitud fue aprobada." in payload.decode()
    n = Notification.objects.get(dedupe_key="e1")
    assert n.status == "sent"
    assert DeliveryAttempt.objects.get(notification=n, channel="email").ok


@pytest.mark.django_db
def test_an_smtp_server_that_is_down_means_a_retry_not_a_lost_message(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    participant = world.participants["officer_a"]
    participant.phone, participant.email = "", "ana@example.org"
    participant.save(update_fields=["phone", "email"])
    notification_enqueue(
        kind="review_decision",
        subject="Decision",
        body="Approved.",
        dedupe_key="e2",
        participant_id=participant.pk,
    )
    with channels_override(email=EmailChannel()):
        with _smtp_settings(1):  # nothing listens on port 1: connection refused
            assert notification_deliver_due().retried == 1
        with _smtp_settings(port), clock.frozen_at(clock.now() + timedelta(minutes=1)):
            assert notification_deliver_due().sent == 1
    assert len(inbox.messages) == 1
    attempts = list(
        DeliveryAttempt.objects.filter(notification__dedupe_key="e2").values_list("ok", flat=True)
    )
    assert attempts == [False, True]
