"""Notification channels as plug-ins, one package each (in_app, email, sms, webhook).

A channel takes an `OutgoingMessage` with its address already resolved and answers a
`DeliveryResult`; it never touches the database. The delivery service (alerts.services.
delivery) claims queued notifications, records every attempt and retries failures. Tests swap
a channel for its in-memory fake with `channels_override`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: int
    kind: str
    subject: str
    body: str
    language: str = "en"
    address: str = ""  # e-mail address, phone number or URL; empty for in-app
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    provider_ref: str = ""
    error: str = ""
    # A failure that no retry can mend (the provider refused the message, the number is not a
    # number): the message fails at once, with its reason, instead of being tried again.
    permanent: bool = False


class Channel(Protocol):
    name: str
    max_attempts: int

    def send(self, message: OutgoingMessage) -> DeliveryResult: ...


_overrides: dict[str, Channel] = {}


def channel_get(name: str) -> Channel:
    if name in _overrides:
        return _overrides[name]
    if name == "in_app":
        from atd.alerts.channels.in_app import InAppChannel

        return InAppChannel()
    if name == "email":
        from atd.alerts.channels.email import EmailChannel

        return EmailChannel()
    if name == "sms":
        from atd.alerts.channels.sms import SmsChannel, sms_gateway_from_settings

        return SmsChannel(sms_gateway_from_settings())
    if name == "webhook":
        from atd.alerts.channels.webhook import WebhookChannel, transport_from_settings

        return WebhookChannel(transport_from_settings())
    raise KeyError(f"no notification channel named {name!r}")


CHANNEL_NAMES = ("in_app", "email", "sms", "webhook")


@contextmanager
def channels_override(**channels: Channel) -> Iterator[None]:
    """Replaces channels (by name) for the duration of a test."""
    previous = dict(_overrides)
    _overrides.update(channels)
    try:
        yield
    finally:
        _overrides.clear()
        _overrides.update(previous)
