"""Poison messages at a broker door: counting the deliveries of redelivered messages, and
parking (dead-lettering and letting the caller acknowledge) one that keeps failing.

A message that kills the worker outright (a crash, an OOM kill) is redelivered by the broker
with its DUP flag set when the worker's session resumes; counting only those deliveries keeps
the usual path free of writes. A door built later (NATS JetStream) has its own delivery count
and calls `message_park` directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F

from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record
from atd.telemetry.models import DeadLetter, MessageAttempt
from atd.telemetry.services import dead_letter_payload


def message_key(topic: str, payload: bytes) -> str:
    return hashlib.sha256(topic.encode("utf-8", "surrogatepass") + b"\0" + payload).hexdigest()


@transaction.atomic
def message_attempts_count(*, via: str, keys: Sequence[str]) -> dict[str, int]:
    """Counts one more delivery of each message; answers each one's count so far. Committed
    before the messages are processed, so a delivery that kills the worker still counts."""
    now = clock.now()
    counts: dict[str, int] = {}
    for key in sorted(set(keys)):  # one lock order across workers
        row, created = MessageAttempt.objects.select_for_update().get_or_create(
            key=key, defaults={"via": via, "attempts": 1, "first_at": now, "last_at": now}
        )
        if not created:
            MessageAttempt.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_at=now)
            row.attempts += 1
        counts[key] = row.attempts
    return counts


def message_attempts_known(keys: Sequence[str]) -> dict[str, int]:
    """The deliveries counted so far for each message (absent: none)."""
    rows = MessageAttempt.objects.filter(key__in=list(keys)).values_list("key", "attempts")
    return dict(rows)


def message_attempts_clear(keys: Sequence[str]) -> None:
    """The messages went through: their counts are no longer needed."""
    if keys:
        MessageAttempt.objects.filter(key__in=list(keys)).delete()


@transaction.atomic
def message_park(
    *, via: str, key: str, payload: Any, serial: str, attempts: int, error: str
) -> DeadLetter:
    """Keeps a message that failed `attempts` times as a dead letter (reason `parked`; its
    decoded value without the device secret, or its raw bytes as text or base64) so the
    caller can acknowledge it and move on; an admin can read it."""
    letter = dead_letter_payload(
        via=via,
        reason="parked",
        payload=payload,
        serial=serial,
        detail=f"failed {attempts} attempt(s): {error}",
    )
    MessageAttempt.objects.filter(key=key).delete()
    audit_record(
        actor=SYSTEM,
        action="telemetry.message_park",
        object_type="dead_letter",
        object_ids=[letter.pk],
        reason=f"{via} message parked after {attempts} attempt(s)",
    )
    return letter
