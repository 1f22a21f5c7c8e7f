"""SMS channel through a pluggable gateway (settings.ATD_SMS_GATEWAY): "console" prints the
message (development); "http" is a provider's REST API (channels.sms.http); a dotted path names a
class with `send_sms(to, text) -> str`. Numbers are checked and written in E.164 before sending;
accented letters GSM-7 lacks are written plain (á -> a) so a message stays 7-bit, and one
longer than three segments is cut with an ellipsis (alerts.rules.sms_text)."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from atd.alerts.channels import DeliveryResult, OutgoingMessage
from atd.alerts.channels.sms.http import HttpSmsGateway, SmsRejected
from atd.alerts.rules import phone_e164, sms_text

log = logging.getLogger(__name__)


class SmsGateway(Protocol):
    def send_sms(self, to: str, text: str) -> str: ...


class ConsoleSmsGateway:
    """Development gateway: writes the message to the log instead of a phone."""

    def __init__(self) -> None:
        self.count = 0

    def send_sms(self, to: str, text: str) -> str:
        self.count += 1
        log.info("SMS to %s: %s", to, text)
        return f"console-{self.count}"


def sms_gateway_from_settings() -> SmsGateway:
    name = getattr(settings, "ATD_SMS_GATEWAY", "console") or "console"
    if name == "console":
        return ConsoleSmsGateway()
    if name == "http":
        return HttpSmsGateway()
    gateway: SmsGateway = import_string(name)()
    return gateway


class SmsChannel:
    name = "sms"
    max_attempts = 4

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        if not message.address:
            return DeliveryResult(ok=False, error="no phone number on file", permanent=True)
        number = phone_e164(message.address, settings.ATD_SMS_DEFAULT_REGION)
        if number is None:
            return DeliveryResult(
                ok=False, error=f"not a valid phone number: {message.address[:40]}", permanent=True
            )
        text = sms_text(message.subject, message.body)
        try:
            ref = self.gateway.send_sms(number, text)
        except SmsRejected as exc:
            return DeliveryResult(ok=False, error=f"refused: {exc}"[:500], permanent=True)
        except Exception as exc:  # noqa: BLE001 - any other gateway failure is retried
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        return DeliveryResult(ok=True, provider_ref=ref)
