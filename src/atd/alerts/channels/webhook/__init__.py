"""Webhook channel for agency systems: a JSON POST signed with HMAC-SHA256
(header X-ATD-Signature: sha256=<hex>); any non-2xx answer is a failed attempt."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from typing import Protocol

from django.conf import settings

from atd.alerts.channels import DeliveryResult, OutgoingMessage


class WebhookTransport(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...


class UrllibTransport:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if not url.startswith(("https://", "http://")):
            raise ValueError("webhook URL must be http(s)")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return int(response.status)


def transport_from_settings() -> WebhookTransport:
    return UrllibTransport()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    name = "webhook"
    max_attempts = 6

    def __init__(self, transport: WebhookTransport, secret: str | None = None) -> None:
        self.transport = transport
        self.secret = secret if secret is not None else settings.ATD_ALERT_WEBHOOK_SECRET

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        if not message.address:
            return DeliveryResult(ok=False, error="no webhook URL configured")
        body = json.dumps(
            {
                "notification_id": message.notification_id,
                "kind": message.kind,
                "subject": message.subject,
                **message.payload,
            },
            sort_keys=True,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-ATD-Signature": signature(self.secret, body),
        }
        try:
            status = self.transport.post(message.address, body, headers)
        except Exception as exc:  # noqa: BLE001 - network failures are failed attempts
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= status < 300:
            return DeliveryResult(ok=True, provider_ref=f"http {status}")
        return DeliveryResult(ok=False, error=f"http {status}")
