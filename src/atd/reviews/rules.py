"""Pure review rules: the compliance record, the step-down recommendation, deadlines, and the
decision letter in the participant's language. No Django; `now` is passed in."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from atd.supervision.rules import TECHNOLOGY_LADDER


@dataclass(frozen=True)
class ComplianceRecord:
    """What the officer sees with a request, over the review window (e.g. the last 90 days)."""

    days_supervised: int
    window_days: int
    checkins_on_time: int = 0
    checkins_late: int = 0
    checkins_missed: int = 0
    checkins_attempted: int = 0
    alerts_by_kind: dict[str, int] = field(default_factory=dict)
    alerts_by_disposition: dict[str, int] = field(default_factory=dict)
    alerts_unresolved: int = 0
    hearings_attended: int = 0
    hearings_missed: int = 0
    checkins_available: bool = True
    alerts_available: bool = True
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True)
class Recommendation:
    eligible: bool
    from_technology: str
    to_technology: str
    reasons: tuple[str, ...]
    suggested_reason: str  # a DecisionReason value

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "reasons": list(self.reasons)}


def next_step_down(technology: str, ladder: tuple[str, ...] = TECHNOLOGY_LADDER) -> str | None:
    """ankle -> wrist -> app -> telephone -> in-person only; None at the bottom or if unknown."""
    if technology not in ladder:
        return None
    index = ladder.index(technology)
    return ladder[index + 1] if index + 1 < len(ladder) else None


def recommend(
    record: ComplianceRecord, technology: str, *, required_days: int = 90
) -> Recommendation:
    """Eligible for the next step down after `required_days` supervised with no missed check-in,
    no unresolved alert and no missed hearing in the window. Unknown history never counts as
    compliance: if a source could not be read, the recommendation is not to step down yet."""
    target = next_step_down(technology)
    blockers: list[tuple[str, str]] = []
    if technology not in TECHNOLOGY_LADDER:
        blockers.append(("other", "no active supervision plan with a known technology"))
    elif target is None:
        blockers.append(("lowest_level", "already at the least restrictive level"))
    if record.days_supervised < required_days:
        blockers.append(
            ("short_record", f"supervised {record.days_supervised} of {required_days} days")
        )
    if not record.checkins_available:
        blockers.append(("other", "check-in history could not be read: check it by hand"))
    if record.checkins_missed:
        blockers.append(("missed_checkins", f"{record.checkins_missed} missed check-in(s)"))
    if not record.alerts_available:
        blockers.append(("other", "alert history could not be read: check it by hand"))
    if record.alerts_unresolved:
        blockers.append(("unresolved_alerts", f"{record.alerts_unresolved} unresolved alert(s)"))
    if record.hearings_missed:
        blockers.append(("missed_hearing", f"{record.hearings_missed} missed hearing(s)"))
    if blockers:
        return Recommendation(
            eligible=False,
            from_technology=technology,
            to_technology="",
            reasons=tuple(text for _, text in blockers),
            suggested_reason=blockers[0][0],
        )
    return Recommendation(
        eligible=True,
        from_technology=technology,
        to_technology=target or "",
        reasons=(
            f"{record.days_supervised} days supervised",
            f"{record.checkins_on_time} check-in(s) on time, none missed",
            "no unresolved alert, no missed hearing",
        ),
        suggested_reason="sustained_compliance",
    )


def decision_due(requested_at: datetime, days: int) -> datetime:
    return requested_at + timedelta(days=days)


def is_overdue(due_at: datetime, now: datetime, *, pending: bool) -> bool:
    return pending and now > due_at


def appeal_open(appeal_until: datetime | None, now: datetime) -> bool:
    return appeal_until is not None and now <= appeal_until


def decision_problem(*, approve: bool, reason: str, to_technology: str, current: str) -> str | None:
    """None when a decision is complete, else what is missing. A step-down must go down."""
    if not reason:
        return "choose a reason"
    if approve:
        allowed = (
            TECHNOLOGY_LADDER[TECHNOLOGY_LADDER.index(current) + 1 :]
            if current in TECHNOLOGY_LADDER
            else ()
        )
        if to_technology not in allowed:
            return "an approved review must move to a less restrictive technology"
    return None
