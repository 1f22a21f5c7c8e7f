"""E-mail channel through Django's e-mail backend (settings.EMAIL_BACKEND): SMTP in
production, the console backend in development, locmem in tests."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from atd.alerts.channels import DeliveryResult, OutgoingMessage


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> str: ...


class DjangoMailer:
    def send(self, *, to: str, subject: str, body: str) -> str:
        mail = EmailMessage(
            subject=subject, body=body, to=[to], from_email=settings.DEFAULT_FROM_EMAIL
        )
        sent = mail.send(fail_silently=False)
        if sent != 1:
            raise RuntimeError("the e-mail backend accepted no message")
        return mail.extra_headers.get("Message-ID", "")


class EmailChannel:
    name = "email"
    max_attempts = 4

    def __init__(self, mailer: Mailer | None = None) -> None:
        self.mailer = mailer or DjangoMailer()

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        if not message.address:
            return DeliveryResult(ok=False, error="no e-mail address on file")
        try:
            ref = self.mailer.send(to=message.address, subject=message.subject, body=message.body)
        except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        return DeliveryResult(ok=True, provider_ref=ref)
