"""In-memory webhook transport for tests: answers the queued statuses, then 200."""

from __future__ import annotations

import json
from typing import Any


class FakeWebhookTransport:
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.posted: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.posted.append((url, json.loads(body), headers))
        return self.statuses.pop(0) if self.statuses else 200
