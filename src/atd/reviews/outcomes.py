"""What an approved review does to supervision, through the owning apps' own services (called
inside the decision's transaction): a technology or cadence change goes through
`supervision.services.plan_set` (history kept, device task opened by the plan), ending
supervision through `plan_end`, device returns through `device_returns_open`, and leaving the
program closes the case through `people.services.case_change_status` (LEFT_PROGRAM). Court
hearings and notices are never touched: they stay on the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from atd.core import clock
from atd.core.errors import Conflict
from atd.core.scope import Scope
from atd.devices.selectors import devices_for_participants
from atd.people.services import case_change_status
from atd.people.types import CaseStatus, ClosureReason
from atd.reviews import rules
from atd.reviews.models import ReviewRequest
from atd.supervision import selectors as supervision_selectors
from atd.supervision import services as supervision_services

DEVICE_TECHNOLOGIES = frozenset({"gps_ankle", "wrist"})


@dataclass(frozen=True)
class Outcome:
    device_return_required: bool
    supervision_ended_on: date | None = None


def _mode_for(technology: str, current_mode: str) -> str:
    if technology == "in_person":
        return "in_person"
    if technology in {"smartphone", "telephone"}:
        return "remote"
    return current_mode


def outcome_apply(*, actor: Any, scope: Scope, request: ReviewRequest, why: str) -> Outcome:
    plan = supervision_selectors.plan_current(request.participant_id)
    today = timezone.localdate(clock.now())
    reason = f"review {request.pk} approved ({request.kind}): {why}"[:500]
    if request.kind == rules.LEAVE_PROGRAM:
        return _leave_program(actor, scope, request, plan, today, reason)
    if plan is None or plan.technology != request.current_technology:
        raise Conflict(detail="the supervision plan changed since the request: review it again")
    if request.kind == rules.LOWER_CADENCE:
        if request.current_cadence_days and plan.cadence_days != request.current_cadence_days:
            raise Conflict(detail="the check-in cadence changed since the request: review it again")
        supervision_services.plan_set(
            actor=actor,
            scope=scope,
            participant_id=request.participant_id,
            technology=plan.technology,
            cadence_days=int(request.to_cadence_days or 0),
            checkin_mode=plan.checkin_mode,
            start_date=today,
            reason=reason,
        )
        return Outcome(device_return_required=False)
    # A step down or the end of electronic monitoring: a new technology, the cadence kept.
    target = request.to_technology
    supervision_services.plan_set(
        actor=actor,
        scope=scope,
        participant_id=request.participant_id,
        technology=target,
        cadence_days=plan.cadence_days,
        checkin_mode=_mode_for(target, plan.checkin_mode),
        start_date=today,
        reason=reason,
    )
    # plan_set opens the device task (return, or swap for another kind) when the worn
    # device changes: the old one comes back either way.
    return Outcome(
        device_return_required=plan.technology in DEVICE_TECHNOLOGIES and target != plan.technology
    )


def _leave_program(
    actor: Any, scope: Scope, request: ReviewRequest, plan: Any, today: date, reason: str
) -> Outcome:
    """The plan ends today, every device still held gets a return task, and the case closes
    with LEFT_PROGRAM (reports count the person under that status)."""
    supervision_services.plan_end(
        actor=actor,
        scope=scope,
        participant_id=request.participant_id,
        end_date=today,
        reason=reason,
    )
    held = devices_for_participants([request.participant_id]).get(request.participant_id, [])
    worn = plan.technology if plan is not None and plan.technology in DEVICE_TECHNOLOGIES else ""
    if held or worn:
        supervision_services.device_returns_open(
            actor=actor,
            scope=scope,
            participant_id=request.participant_id,
            devices=[(d.id, d.serial, d.kind) for d in sorted(held, key=lambda d: d.id)],
            technology=worn,
            reason=f"left the program (review {request.pk})",
        )
    case_change_status(
        actor=actor,
        scope=scope,
        case_id=request.case_id,
        to_status=CaseStatus.CLOSED,
        closure_reason=ClosureReason.LEFT_PROGRAM,
        reason=reason,
    )
    return Outcome(device_return_required=bool(held or worn), supervision_ended_on=today)
