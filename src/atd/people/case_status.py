"""The one write of a case's status and its history row, shared by the status change, the
reopening and a locate referral's outcome (each checks, locks and audits it)."""

from __future__ import annotations

from typing import Any

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.extensions import participants_changed
from atd.people.models import Case, CaseStatusChange


def case_status_write(
    case: Case, *, actor: Any, to_status: str, closure_reason: str, reason: str
) -> None:
    """The status change itself, with its history row (the caller has locked and checked)."""
    now = clock.now()
    who = actor_for(actor)
    CaseStatusChange.objects.create(
        case=case,
        from_status=case.status,
        to_status=to_status,
        closure_reason=closure_reason,
        reason=reason.strip()[:500],
        actor_label=who.label,
        actor_id=who.id,
        at=now,
    )
    case.status = to_status
    case.closure_reason = closure_reason
    case.closed_at = now if to_status == "closed" else None
    case.save(update_fields=["status", "closure_reason", "closed_at"])
    participants_changed([case.participant_id])  # enrolled or not: linkage reads only the enrolled
