"""In-memory inbox for tests."""

from __future__ import annotations

from atd.alerts.channels import OutgoingMessage


class FakeInbox:
    def __init__(self) -> None:
        self.shown: list[OutgoingMessage] = []

    def show(self, message: OutgoingMessage) -> None:
        self.shown.append(message)
