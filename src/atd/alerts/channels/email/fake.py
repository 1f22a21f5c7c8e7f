"""In-memory mailer for tests; `fail_next` makes the next sends raise."""

from __future__ import annotations


class FakeMailer:
    def __init__(self, fail_next: int = 0) -> None:
        self.sent: list[dict[str, str]] = []
        self.fail_next = fail_next

    def send(self, *, to: str, subject: str, body: str) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("smtp unavailable")
        self.sent.append({"to": to, "subject": subject, "body": body})
        return f"fake-{len(self.sent)}"
