"""In-app channel: the notification row is the inbox (console bell, portal messages), so
delivery only marks it visible; the `Inbox` protocol lets tests observe what was shown."""

from __future__ import annotations

from typing import Protocol

from atd.alerts.channels import DeliveryResult, OutgoingMessage


class Inbox(Protocol):
    def show(self, message: OutgoingMessage) -> None: ...


class StoredInbox:
    """The real inbox: nothing to do, the stored notification is what the user sees."""

    def show(self, message: OutgoingMessage) -> None:
        return None


class InAppChannel:
    name = "in_app"
    max_attempts = 1

    def __init__(self, inbox: Inbox | None = None) -> None:
        self.inbox = inbox or StoredInbox()

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.inbox.show(message)
        return DeliveryResult(ok=True, provider_ref=f"inbox:{message.notification_id}")
