"""SMS channel through a pluggable gateway (settings.ATD_SMS_GATEWAY): "console" prints the
message (development); a dotted path names a class with `send_sms(to, text) -> str`."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from atd.alerts.channels import DeliveryResult, OutgoingMessage

log = logging.getLogger(__name__)
SMS_MAX_CHARS = 480  # three concatenated segments


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
    gateway: SmsGateway = import_string(name)()
    return gateway


class SmsChannel:
    name = "sms"
    max_attempts = 4

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        if not message.address:
            return DeliveryResult(ok=False, error="no phone number on file")
        text = f"{message.subject}: {message.body}"[:SMS_MAX_CHARS]
        try:
            ref = self.gateway.send_sms(message.address, text)
        except Exception as exc:  # noqa: BLE001 - any gateway failure is a failed attempt
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        return DeliveryResult(ok=True, provider_ref=ref)
