"""The demo's outbox: a local SMS provider and SMTP server that record what they receive, a
delivered callback the provider signs, and the staff page that lists the messages."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import RequestFactory, override_settings

from atd.alerts.channels import channels_override
from atd.alerts.channels.sms import SmsChannel
from atd.alerts.channels.sms.http import HttpSmsConfig, HttpSmsGateway
from atd.alerts.models import DeliveryAttempt
from atd.alerts.services import notification_enqueue
from atd.alerts.services.delivery import notification_deliver_due
from atd.simulate.outbox import OutboxFile, outbox_read, sms_provider_server, smtp_server_start
from atd.simulate.views import demo_outbox
from atd.testing.world import World

pytest.importorskip("aiosmtpd")
TOKEN = "demo-token"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[tuple[Path, int, int]]:
    path = tmp_path / "outbox.jsonl"
    sms_port, smtp_port = _port(), _port()
    file = OutboxFile(path)
    server = sms_provider_server(
        port=sms_port, account="ACdemo", token=TOKEN, outbox=file, delay_s=0.1
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stop_smtp = smtp_server_start(port=smtp_port, outbox=file)
    try:
        yield path, sms_port, smtp_port
    finally:
        stop_smtp()
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True)
def test_the_demo_outbox_receives_texts_and_mail_and_reports_delivery(
    world: World, outbox: tuple[Path, int, int], live_server: Any
) -> None:
    path, sms_port, smtp_port = outbox
    gateway = HttpSmsGateway(
        HttpSmsConfig(
            url=f"http://127.0.0.1:{sms_port}/2010-04-01/Accounts/ACdemo/Messages.json",
            account="ACdemo",
            token=TOKEN,
            sender="+12025550100",
            callback_base=live_server.url,
            timeout_s=2.0,
        )
    )
    notification_enqueue(
        kind="hearing_reminder",
        subject="Recordatorio de audiencia",
        body="Audiencia el 2026-06-11 10:00 MDT.",
        dedupe_key="demo-1",
        participant_id=world.participants["officer_a"].pk,
        language="es",
    )
    with (
        override_settings(ATD_SMS_TOKEN=TOKEN, ATD_SMS_CALLBACK_BASE=live_server.url),
        channels_override(sms=SmsChannel(gateway)),
    ):
        assert notification_deliver_due().sent == 1
        deadline = time.monotonic() + 10
        attempt = DeliveryAttempt.objects.get()
        while attempt.provider_status != "delivered" and time.monotonic() < deadline:
            time.sleep(0.1)
            attempt.refresh_from_db()
    assert attempt.provider_status == "delivered"  # the provider's signed callback came back
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp_port,
        EMAIL_USE_TLS=False,
    ):
        EmailMessage("Aviso de audiencia", "Cuerpo del aviso.", to=["ana@example.org"]).send()
    rows = outbox_read(str(path))
    assert [r.channel for r in rows] == ["email", "sms"]  # newest first
    assert rows[1].to == "+13125550100" and "2026-06-11 10:00 MDT" in rows[1].body
    assert rows[0].subject == "Aviso de audiencia" and "Cuerpo del aviso." in rows[0].body
    request = RequestFactory().get("/demo/outbox")
    request.user = world.user("case_officer")
    with override_settings(ATD_DEMO=True, ATD_DEMO_OUTBOX=str(path)):
        page = demo_outbox(request).content.decode()
    assert "Demo outbox" in page and "+13125550100" in page and "Aviso de audiencia" in page


def test_the_outbox_reader_skips_broken_lines(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    path.write_text('{"channel": "sms", "to": "+1"}\nnot json\n[1]\n\x00\n')
    assert [r.to for r in outbox_read(str(path))] == ["+1"]
    assert outbox_read(str(tmp_path / "missing.jsonl")) == []
    assert outbox_read("") == []
