"""Text messages through a provider's REST API, against a local server that plays the provider:
numbers in E.164, 5xx and timeouts retried, 4xx and bad numbers failed at once with the reason,
signed delivery callbacks, and STOP / PARAR replies that move messages to another channel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from atd.alerts.channels import channels_override
from atd.alerts.channels.email import EmailChannel
from atd.alerts.channels.sms import SmsChannel
from atd.alerts.channels.sms.http import HttpSmsConfig, HttpSmsGateway
from atd.alerts.models import DeliveryAttempt, Notification, SmsOptOut, phone_index
from atd.alerts.services import notification_enqueue
from atd.alerts.services.delivery import notification_deliver_due
from atd.core import clock
from atd.core.models import AuditEntry
from atd.testing.sms_provider import FakeSmsProvider, ProviderAnswer
from atd.testing.world import World

pytestmark = pytest.mark.django_db(transaction=True)
NUMBER = "+13125550100"  # world participant officer_a: "+1 312 555 0100" on file


@pytest.fixture
def provider() -> Iterator[FakeSmsProvider]:
    fake = FakeSmsProvider()
    yield fake
    fake.close()


@pytest.fixture
def sms(provider: FakeSmsProvider, live_server: Any) -> Iterator[SmsChannel]:
    config = HttpSmsConfig(
        url=provider.url,
        account=provider.account,
        token=provider.token,
        sender="+12025550100",
        callback_base=live_server.url,
        timeout_s=1.0,
    )
    with override_settings(ATD_SMS_TOKEN=provider.token, ATD_SMS_CALLBACK_BASE=live_server.url):
        yield SmsChannel(HttpSmsGateway(config))


def _enqueue(
    world: World, key: str = "m1", body: str = "Tiene una audiencia el 8 de junio."
) -> Notification:
    notification_enqueue(
        kind="hearing_reminder",
        subject="Recordatorio de audiencia",
        body=body,
        dedupe_key=key,
        participant_id=world.participants["officer_a"].pk,
        language="es",
    )
    return Notification.objects.get(dedupe_key=key)


def test_a_text_reaches_the_provider_in_e164_and_its_delivery_state_comes_back_signed(
    world: World, provider: FakeSmsProvider, sms: SmsChannel, live_server: Any
) -> None:
    n = _enqueue(world)
    with channels_override(sms=sms):
        assert notification_deliver_due().sent == 1
    [message] = provider.received
    assert message.authorized
    assert message.fields["To"] == NUMBER
    assert message.fields["From"] == "+12025550100"
    assert message.fields["Body"] == "Recordatorio de audiencia: Tiene una audiencia el 8 de junio."
    assert message.fields["StatusCallback"] == f"{live_server.url}/alerts/hooks/sms/status/"
    attempt = DeliveryAttempt.objects.get(notification=n)
    sid = attempt.provider_ref
    assert sid.startswith("SM")

    assert provider.report_status(live_server.url, sid, "sent") == 204
    assert provider.report_status(live_server.url, sid, "delivered") == 204
    attempt.refresh_from_db()
    assert (attempt.provider_status, attempt.provider_error) == ("delivered", "")
    # A late report never moves a message back; an unknown state changes nothing.
    assert provider.report_status(live_server.url, sid, "sent") == 204
    assert provider.report_status(live_server.url, sid, "exploded") == 204
    attempt.refresh_from_db()
    assert attempt.provider_status == "delivered"
    assert AuditEntry.objects.filter(action="notification.sms_status").count() == 2


def test_unsigned_or_forged_callbacks_are_refused_and_change_nothing(
    world: World, provider: FakeSmsProvider, sms: SmsChannel, live_server: Any
) -> None:
    n = _enqueue(world)
    with channels_override(sms=sms):
        notification_deliver_due()
    sid = DeliveryAttempt.objects.get(notification=n).provider_ref
    fields = {"MessageSid": sid, "MessageStatus": "failed"}
    assert (
        provider.post_callback(live_server.url, "/alerts/hooks/sms/status/", fields, sign=False)
        == 403
    )
    forger = FakeSmsProvider(token="not-the-token")
    try:
        assert forger.report_status(live_server.url, sid, "failed") == 403
        assert forger.reply(live_server.url, NUMBER, "STOP") == 403
    finally:
        forger.close()
    assert DeliveryAttempt.objects.get(notification=n).provider_status == ""
    assert not SmsOptOut.objects.exists()
    # Signed but malformed: a 422 problem, never a 500.
    assert provider.report_status(live_server.url, "", "sent") == 422
    assert provider.reply(live_server.url, "not a number", "STOP") == 422
    assert provider.report_status(live_server.url, "x" * 5000, "sent") == 403  # oversized field


def test_provider_errors_and_timeouts_are_retried_until_the_message_goes(
    world: World, provider: FakeSmsProvider, sms: SmsChannel
) -> None:
    n = _enqueue(world)
    provider.answers.extend(
        [ProviderAnswer(503, {"message": "busy"}), ProviderAnswer(delay_s=2.0), ProviderAnswer()]
    )
    start = clock.now()
    with channels_override(sms=sms):
        for minutes in (0, 1, 5):
            with clock.frozen_at(start + timedelta(minutes=minutes)):
                notification_deliver_due()
    n.refresh_from_db()
    assert n.status == "sent"
    attempts = list(DeliveryAttempt.objects.filter(notification=n).order_by("attempt_no"))
    assert [a.ok for a in attempts] == [False, False, True]
    assert "HTTP 503" in attempts[0].error
    assert "timed out" in attempts[1].error.lower()


def test_a_refused_message_is_not_retried_and_fails_with_the_providers_reason(
    world: World, provider: FakeSmsProvider, sms: SmsChannel
) -> None:
    n = _enqueue(world)
    provider.answers.append(ProviderAnswer(400, {"message": "The 'To' number is not reachable."}))
    with channels_override(sms=sms):
        notification_deliver_due()
        with clock.frozen_at(clock.now() + timedelta(hours=1)):
            assert notification_deliver_due().claimed == 0
    n.refresh_from_db()
    assert n.status == "failed"
    assert DeliveryAttempt.objects.filter(notification=n).count() == 1
    entry = AuditEntry.objects.get(action="notification.failed")
    assert "refused: HTTP 400" in entry.reason and "not reachable" in entry.reason
    assert len(provider.received) == 1


def test_a_number_that_is_not_a_phone_number_never_reaches_the_provider(
    world: World, provider: FakeSmsProvider, sms: SmsChannel
) -> None:
    participant = world.participants["officer_a"]
    participant.phone = "555-CALL-ME"
    participant.save(update_fields=["phone"])
    n = _enqueue(world)
    with channels_override(sms=sms):
        notification_deliver_due()
    n.refresh_from_db()
    assert n.status == "failed"
    assert "not a valid phone number" in DeliveryAttempt.objects.get(notification=n).error
    assert provider.received == []


def test_stop_in_spanish_moves_texts_to_email_and_start_brings_them_back(
    world: World, provider: FakeSmsProvider, sms: SmsChannel, live_server: Any
) -> None:
    participant = world.participants["officer_a"]
    participant.email = "ana@example.org"
    participant.save(update_fields=["email"])
    assert provider.reply(live_server.url, "(312) 555-0100", "Parar, por favor") == 204
    assert SmsOptOut.objects.filter(number_index=phone_index(NUMBER)).exists()
    assert AuditEntry.objects.filter(action="sms.opt_out").exists()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with channels_override(sms=sms, email=EmailChannel()):
            _enqueue(world, "after-stop")
            notification_deliver_due()
            assert provider.received == []
            assert mail.outbox[-1].to == ["ana@example.org"]
            assert mail.outbox[-1].subject == "Recordatorio de audiencia"

            assert provider.reply(live_server.url, NUMBER, "START") == 204
            assert not SmsOptOut.objects.exists()
            _enqueue(world, "after-start")
            notification_deliver_due()
    assert [m.fields["To"] for m in provider.received] == [NUMBER]


def test_long_texts_are_cut_to_three_segments() -> None:
    from atd.alerts.channels import OutgoingMessage
    from atd.alerts.channels.sms.fake import FakeSmsGateway
    from atd.alerts.rules import sms_length

    gateway = FakeSmsGateway()
    body = "Su audiencia es en la Corte de Inmigración. " * 20
    SmsChannel(gateway).send(
        OutgoingMessage(notification_id=1, kind="k", subject="Aviso", body=body, address=NUMBER)
    )
    [(to, text)] = gateway.sent
    assert to == NUMBER
    # "Inmigración" is written "Inmigracion": the text stays GSM-7 (153 a segment, not 67).
    assert sms_length(text).encoding == "gsm7"
    assert sms_length(text).segments == 3 and text.endswith("...")
    assert "Inmigracion" in text


def test_the_officer_sees_each_message_and_how_far_it_got(
    world: World,
    provider: FakeSmsProvider,
    sms: SmsChannel,
    live_server: Any,
    client_for: Any,
) -> None:
    delivered = _enqueue(world, "ok", body="Audiencia el 8 de junio.")
    provider.answers.append(ProviderAnswer())
    with channels_override(sms=sms):
        notification_deliver_due()
    sid = DeliveryAttempt.objects.get(notification=delivered).provider_ref
    assert provider.report_status(live_server.url, sid, "delivered") == 204
    refused = _enqueue(world, "refused", body="Otro aviso.")
    provider.answers.append(ProviderAnswer(400, {"message": "Blocked by the carrier"}))
    with channels_override(sms=sms):
        notification_deliver_due()
    refused.refresh_from_db()
    assert refused.status == "failed"
    pid = world.participants["officer_a"].pk
    page = client_for("case_officer").get(f"/participants/{pid}/").content.decode()
    assert "Messages to the participant" in page
    assert 'data-state="delivered"' in page
    assert 'data-state="failed"' in page
    assert "Blocked by the carrier" in page
    assert AuditEntry.objects.filter(
        action="participant.messages_read", object_ids=str(pid)
    ).exists()
    # Another office's officer cannot read them.
    assert client_for("officer_b").get(f"/participants/{pid}/").status_code == 404
