"""Pure review rules: the compliance record, the eligibility of each kind of request (rule by
rule, in words), deadlines, decisions and who may appeal. No Django; `now` is passed in."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from atd.supervision.types import TECHNOLOGY_LADDER

STEP_DOWN = "step_down"
LOWER_CADENCE = "lower_cadence"
END_MONITORING = "end_monitoring"
LEAVE_PROGRAM = "leave_program"
KINDS = (STEP_DOWN, LOWER_CADENCE, END_MONITORING, LEAVE_PROGRAM)

# Electronic monitoring: a worn device or the check-in app. Telephone and in-person reporting
# are reporting duties, not monitoring: "end monitoring" moves to one of them.
ELECTRONIC = ("gps_ankle", "wrist", "smartphone")
REPORTING_ONLY = ("telephone", "in_person")
DEFAULT_REPORTING = "telephone"
# Lower check-in frequencies a participant may ask for (supervision's cadence presets).
CADENCE_CHOICES_WEEKS = (4, 8, 12)
MAX_CADENCE_DAYS = 366
APPEAL_DECIDER_ROLES = ("supervisor", "admin")


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
    alerts_critical_open: int = 0
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
class Policy:
    """The configured periods (settings ATD_REVIEW_*_DAYS)."""

    compliant_days: int = 90
    end_monitoring_days: int = 180


@dataclass(frozen=True)
class RuleCheck:
    """One eligibility rule and whether it holds, in words; `reason` is the DecisionReason a
    denial on this rule would give."""

    code: str
    holds: bool
    text: str
    reason: str = "other"


@dataclass(frozen=True)
class Recommendation:
    eligible: bool
    from_technology: str
    to_technology: str
    reasons: tuple[str, ...]
    suggested_reason: str  # a DecisionReason value
    kind: str = STEP_DOWN
    from_cadence_days: int = 0
    to_cadence_days: int = 0
    checks: tuple[RuleCheck, ...] = ()

    @property
    def summary(self) -> str:
        return recommendation_summary(self.eligible, self.checks)

    def as_dict(self) -> dict[str, object]:
        data = {**asdict(self), "reasons": list(self.reasons)}
        data["checks"] = [asdict(c) for c in self.checks]
        data["summary"] = self.summary
        return data


def recommendation_summary(eligible: bool, checks: tuple[RuleCheck, ...]) -> str:
    """One sentence that cannot contradict the list under it."""
    failing = sum(1 for c in checks if not c.holds)
    if eligible:
        return f"Eligible: all {len(checks)} rules hold."
    return f"Not eligible yet: {failing} of {len(checks)} rules do not hold."


def next_step_down(technology: str, ladder: tuple[str, ...] = TECHNOLOGY_LADDER) -> str | None:
    """ankle -> wrist -> app -> telephone -> in-person only; None at the bottom or if unknown."""
    if technology not in ladder:
        return None
    index = ladder.index(technology)
    return ladder[index + 1] if index + 1 < len(ladder) else None


def lower_technologies(technology: str) -> tuple[str, ...]:
    """Every technology less restrictive than `technology` (a request may name any of them)."""
    if technology not in TECHNOLOGY_LADDER:
        return ()
    return TECHNOLOGY_LADDER[TECHNOLOGY_LADDER.index(technology) + 1 :]


def cadence_words(days: int) -> str:
    if days and days % 7 == 0:
        return f"every {days // 7} week(s)"
    return f"every {days} day(s)"


def _history_checks(
    record: ComplianceRecord, required_days: int, *, critical_only: bool = False
) -> list[RuleCheck]:
    """The compliance rules shared by every request that lightens supervision. Unknown history
    never counts as compliance: a source that could not be read is a rule that does not hold."""
    checks = [
        RuleCheck(
            "supervised_long_enough",
            record.days_supervised >= required_days,
            f"supervised {record.days_supervised} of the {required_days} days required",
            "short_record",
        ),
        RuleCheck(
            "no_missed_checkin",
            record.checkins_available and record.checkins_missed == 0,
            (
                "check-in history could not be read: check it by hand"
                if not record.checkins_available
                else (
                    f"{record.checkins_missed} missed check-in(s) in the last "
                    f"{record.window_days} days"
                    if record.checkins_missed
                    else f"no missed check-in in the last {record.window_days} days "
                    f"({record.checkins_on_time} on time)"
                )
            ),
            "missed_checkins" if record.checkins_available else "other",
        ),
    ]
    if not record.alerts_available:
        checks.append(
            RuleCheck("alerts_readable", False, "alert history could not be read: check it by hand")
        )
    checks.append(
        RuleCheck(
            "no_open_critical_alert",
            record.alerts_critical_open == 0,
            f"{record.alerts_critical_open} open critical alert(s)"
            if record.alerts_critical_open
            else "no open critical alert",
            "critical_alert",
        )
    )
    if not critical_only:
        checks.append(
            RuleCheck(
                "no_unresolved_alert",
                record.alerts_unresolved == 0,
                f"{record.alerts_unresolved} unresolved alert(s)"
                if record.alerts_unresolved
                else "no unresolved alert",
                "unresolved_alerts",
            )
        )
    checks.append(
        RuleCheck(
            "hearings_attended",
            record.hearings_missed == 0,
            f"{record.hearings_missed} missed hearing(s)"
            if record.hearings_missed
            else f"no missed hearing ({record.hearings_attended} attended)",
            "missed_hearing",
        )
    )
    return checks


def evaluate(
    kind: str,
    record: ComplianceRecord,
    *,
    technology: str,
    cadence_days: int = 0,
    target_technology: str = "",
    target_cadence_days: int = 0,
    acknowledged: bool = False,
    policy: Policy | None = None,
) -> Recommendation:
    """The recommendation for one request: every rule of its kind, whether it holds, in words.
    Eligible only when all hold; the suggested reason is that of the first rule that fails."""
    policy = policy or Policy()
    checks: list[RuleCheck] = []
    to_technology, to_cadence = "", 0
    known = technology in TECHNOLOGY_LADDER
    if kind == STEP_DOWN:
        to_technology = target_technology or (next_step_down(technology) or "")
        if not known:
            checks.append(
                RuleCheck("plan_known", False, "no active supervision plan with a known technology")
            )
        elif not lower_technologies(technology):
            checks.append(
                RuleCheck(
                    "lower_level_exists",
                    False,
                    "already at the least restrictive level",
                    "lowest_level",
                )
            )
        else:
            checks.append(
                RuleCheck(
                    "target_is_lower",
                    to_technology in lower_technologies(technology),
                    f"{to_technology or 'the requested technology'} is less restrictive than "
                    f"{technology}"
                    if to_technology in lower_technologies(technology)
                    else f"{to_technology or 'the requested technology'} is not less "
                    f"restrictive than {technology}",
                    "not_applicable",
                )
            )
        checks += _history_checks(record, policy.compliant_days)
    elif kind == LOWER_CADENCE:
        to_cadence = target_cadence_days
        lower = known and cadence_days > 0 and cadence_days < to_cadence <= MAX_CADENCE_DAYS
        checks.append(
            RuleCheck(
                "cadence_is_lower",
                lower,
                f"{cadence_words(to_cadence)} is less often than now ({cadence_words(cadence_days)})"
                if lower
                else (
                    "no active supervision plan"
                    if not known
                    else f"{cadence_words(to_cadence) if to_cadence else 'the requested cadence'}"
                    f" is not less often than now ({cadence_words(cadence_days)})"
                ),
                "not_applicable",
            )
        )
        checks += _history_checks(record, policy.compliant_days)
    elif kind == END_MONITORING:
        to_technology = (
            target_technology if target_technology in REPORTING_ONLY else DEFAULT_REPORTING
        )
        checks.append(
            RuleCheck(
                "on_electronic_monitoring",
                technology in ELECTRONIC,
                f"on electronic monitoring ({technology}); reporting continues by {to_technology}"
                if technology in ELECTRONIC
                else "not on electronic monitoring"
                + (f" ({technology})" if technology else ": no active plan"),
                "not_applicable",
            )
        )
        checks += _history_checks(record, policy.end_monitoring_days)
    elif kind == LEAVE_PROGRAM:
        # Leaving is the participant's right: the rules only make sure they were told what
        # stays (court hearings and notices) and that there is supervision to end.
        checks.append(RuleCheck("case_open", True, "the supervision case is open"))
        checks.append(
            RuleCheck(
                "court_obligations_acknowledged",
                acknowledged,
                "the participant acknowledged that court hearings and notices stay in force"
                if acknowledged
                else "the participant has not acknowledged that court obligations stay",
                "not_acknowledged",
            )
        )
    else:
        checks.append(RuleCheck("known_kind", False, f"unknown kind of request: {kind!r}"))
    failing = [c for c in checks if not c.holds]
    eligible = not failing
    if eligible:
        suggested = "participant_choice" if kind == LEAVE_PROGRAM else "sustained_compliance"
        reasons = tuple(c.text for c in checks)
    else:
        suggested = failing[0].reason
        reasons = tuple(c.text for c in failing)
    return Recommendation(
        eligible=eligible,
        from_technology=technology,
        to_technology=to_technology if eligible or kind != STEP_DOWN else "",
        reasons=reasons,
        suggested_reason=suggested,
        kind=kind,
        from_cadence_days=cadence_days,
        to_cadence_days=to_cadence,
        checks=tuple(checks),
    )


def recommend(
    record: ComplianceRecord, technology: str, *, required_days: int = 90
) -> Recommendation:
    """The next step down the ladder (the request the system proposes by itself)."""
    return evaluate(
        STEP_DOWN, record, technology=technology, policy=Policy(compliant_days=required_days)
    )


def decision_due(requested_at: datetime, days: int) -> datetime:
    return requested_at + timedelta(days=days)


def is_overdue(due_at: datetime, now: datetime, *, pending: bool) -> bool:
    return pending and now > due_at


def days_overdue(due_at: datetime, now: datetime) -> int:
    return max((now - due_at).days, 0)


def appeal_open(appeal_until: datetime | None, now: datetime) -> bool:
    return appeal_until is not None and now <= appeal_until


def appeal_can_file(
    *, status: str, appeal_until: datetime | None, has_appeal: bool, now: datetime
) -> bool:
    """Whether an appeal may be filed now: the page offers the form exactly when the service
    would accept it (a form that is then refused is worse than none)."""
    return status == "denied" and not has_appeal and appeal_open(appeal_until, now)


def appeal_decider_problem(
    *, role: str, viewer_id: int | None, decided_by_id: int | None
) -> str | None:
    """None when this person may decide the appeal: a supervisor or admin who is not the one
    who decided the request. Used both to offer the form and to refuse the decision."""
    if role not in APPEAL_DECIDER_ROLES:
        return "only a supervisor decides an appeal"
    if viewer_id is not None and decided_by_id is not None and viewer_id == decided_by_id:
        return "the person who decided the request cannot decide its appeal"
    return None


def decision_problem(
    *,
    approve: bool,
    reason: str,
    to_technology: str,
    current: str,
    kind: str = STEP_DOWN,
    text: str = "",
    require_text: bool = True,
    current_cadence_days: int = 0,
    to_cadence_days: int = 0,
) -> str | None:
    """None when a decision is complete, else what is missing. Every decision gives reasons:
    one from the list and, in words, the explanation the participant reads."""
    if not reason:
        return "choose a reason"
    if require_text and not text.strip():
        return "explain the decision to the participant (the reasons, in words)"
    if not approve:
        return None
    if kind == STEP_DOWN and to_technology not in lower_technologies(current):
        return "an approved review must move to a less restrictive technology"
    if kind == END_MONITORING and (
        current not in ELECTRONIC or to_technology not in REPORTING_ONLY
    ):
        return (
            "ending monitoring moves from a device or the app to telephone or in-person reporting"
        )
    if kind == LOWER_CADENCE and not (
        current_cadence_days < to_cadence_days <= MAX_CADENCE_DAYS and current_cadence_days > 0
    ):
        return "an approved request for fewer check-ins must lower how often they happen"
    return None
