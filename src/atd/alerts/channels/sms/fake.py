"""In-memory SMS gateway for tests; `fail_next` makes the next sends raise."""

from __future__ import annotations


class FakeSmsGateway:
    def __init__(self, fail_next: int = 0) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_next = fail_next

    def send_sms(self, to: str, text: str) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise TimeoutError("gateway timeout")
        self.sent.append((to, text))
        return f"sms-{len(self.sent)}"
