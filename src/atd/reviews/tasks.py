"""Periodic review jobs: escalate overdue decisions; propose reviews for eligible people.

One-call adapters over reviews.services (restart-safe there: they read stored state, and the
alert source_ref / one-pending-request constraint make a repeated run a no-op)."""

from __future__ import annotations

from atd.core.actors import SYSTEM
from atd.reviews.services import JobResult
from atd.reviews.services import reviews_escalate_overdue as _escalate
from atd.reviews.services import reviews_propose_eligible as _propose


def reviews_escalate_overdue() -> JobResult:
    return _escalate(actor=SYSTEM)


def reviews_propose_eligible(*, limit: int = 500) -> JobResult:
    return _propose(actor=SYSTEM, limit=limit)
