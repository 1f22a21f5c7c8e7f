"""The at-large workflow's composition (issue 19): the periodic job that gathers each open
case's contact from the event sources, asks people's pure rules whether it should be proposed
at large, and raises the proposal as an alert; and the officer's confirmation or dismissal.

It lives in the console because it reads every event source (telemetry, check-ins, court),
which only the layers above them may import; the rules themselves are people's
(`people.rules.at_large_findings`), the status change is people's service, the proposal is
an alert of kind AT_LARGE_PROPOSED raised through alerts' services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from atd.alerts import selectors as alert_selectors
from atd.alerts import services as alert_services
from atd.alerts.types import AlertEvidence, AlertKind, AlertSignal
from atd.checkins.selectors import checkin_contact_for_participants
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.errors import Conflict, ValidationFailed
from atd.core.jobs.progress import job_progress
from atd.core.scope import Scope
from atd.court.selectors import court_contact_for_cases
from atd.people import selectors as people_selectors
from atd.people import services as people_services
from atd.people.selectors import at_large_findings
from atd.people.types import AtLargePolicy, ContactFacts
from atd.telemetry.selectors import device_contact_for_participants

SOURCE = "at_large"


def at_large_policy() -> AtLargePolicy:
    """The rule periods from settings (read on each run: operators change them without a
    restart); defaults in docs/court.md."""
    default = AtLargePolicy()
    return AtLargePolicy(
        strap_cut_silence=timedelta(
            hours=int(getattr(settings, "ATD_AT_LARGE_STRAP_CUT_HOURS", 48))
        ),
        hearing_silence=timedelta(days=int(getattr(settings, "ATD_AT_LARGE_HEARING_DAYS", 2))),
        report_grace=timedelta(days=int(getattr(settings, "ATD_AT_LARGE_REPORT_GRACE_DAYS", 7))),
        missed_checkins=int(
            getattr(settings, "ATD_AT_LARGE_MISSED_CHECKINS", default.missed_checkins)
        ),
        checkin_silence=timedelta(
            days=int(getattr(settings, "ATD_AT_LARGE_CHECKIN_SILENCE_DAYS", 14))
        ),
    )


def referral_min_attempts() -> int:
    return int(getattr(settings, "ATD_LOCATE_MIN_ATTEMPTS", 3))


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


@dataclass
class AtLargeRun:
    cases: int = 0
    proposed: int = 0


def at_large_evaluate(*, now: datetime | None = None) -> AtLargeRun:
    """Evaluates the rules over every open case not yet at large and raises a proposal for
    each case with grounds. Restart-safe and idempotent: a proposal's source_ref names the
    case, the ground and the moment silence is counted from, so a second run raises nothing
    new, and while a proposal is open further grounds fold into it (one open alert per
    participant and kind)."""
    now = now or clock.now()
    policy = at_large_policy()
    cases = people_selectors.case_open_contacts()
    pids = [c.participant_id for c in cases]
    devices = device_contact_for_participants(pids)
    checkins = checkin_contact_for_participants(pids)
    court = court_contact_for_cases([c.case_id for c in cases])
    signals: list[AlertSignal] = []
    for i, case in enumerate(cases):
        device = devices.get(case.participant_id)
        checkin = checkins.get(case.participant_id)
        hearing = court.get(case.case_id)
        # A device's report is no sign of the person while its strap is open.
        device_seen = None if device is None or device.strap_open else device.last_report_at
        facts = ContactFacts(
            last_contact_at=_latest(
                case.opened_at,
                case.last_status_at,
                checkin.last_checkin_at if checkin else None,
                device_seen,
                hearing.attended_at if hearing else None,
            ),
            strap_cut_at=device.strap_cut_at if device else None,
            failed_to_appear_at=hearing.failed_to_appear_at if hearing else None,
            report_by=hearing.report_by if hearing else None,
            reported=hearing.reported if hearing else True,
            missed_checkins=checkin.missed_since if checkin else 0,
        )
        for finding in at_large_findings(facts, policy=policy, now=now):
            signals.append(
                AlertSignal(
                    kind=AlertKind.AT_LARGE_PROPOSED,
                    occurred_at=now,
                    source=SOURCE,
                    source_ref=f"case:{case.case_id}:{finding.ground}:{finding.since.isoformat()}",
                    participant_id=case.participant_id,
                    title=f"Contact lost: at large proposed ({finding.detail})",
                    detail={"case_id": case.case_id, "ground": str(finding.ground)},
                    evidence=AlertEvidence(
                        facts={
                            "case_id": case.case_id,
                            "ground": str(finding.ground),
                            "since": finding.since.isoformat(),
                            "detail": finding.detail,
                        }
                    ),
                )
            )
        if i % 1000 == 999:
            job_progress(i + 1, len(cases))
    result = alert_services.alert_raise_many(actor=SYSTEM, signals=signals)
    return AtLargeRun(cases=len(cases), proposed=len(result.created) + len(result.updated))


def at_large_job() -> AtLargeRun:
    return at_large_evaluate()


# --- the officer's decision ---------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    alert_id: int
    case_id: int | None
    opened_at: datetime
    grounds: tuple[str, ...]


def proposals_for_participant(*, scope: Scope, participant_id: int) -> list[Proposal]:
    """Open at-large proposals of a participant the caller may see (the participant page
    audits its read)."""
    rows = (
        alert_selectors.alert_queryset_in_scope(scope)
        .filter(
            participant_id=participant_id,
            kind=AlertKind.AT_LARGE_PROPOSED,
            status__in=("open", "acknowledged"),
        )
        .prefetch_related("events")
        .order_by("-opened_at")
    )
    out = []
    for alert in rows:
        grounds = tuple(
            sorted({str((e.detail or {}).get("ground", "")) for e in alert.events.all()} - {""})
        )
        out.append(
            Proposal(
                alert_id=alert.pk,
                case_id=alert.case_id,
                opened_at=alert.opened_at,
                grounds=grounds,
            )
        )
    return out


@transaction.atomic
def at_large_confirm(*, actor: Any, scope: Scope, alert_id: int, reason: str) -> int:
    """The officer confirms a proposal: the case goes at large (people's service, with its
    history and audit entry) and the proposal is resolved (alerts' service, audited).
    Returns the case id."""
    if not reason.strip():
        raise ValidationFailed(detail="give the reason for confirming the case at large")
    alert = alert_selectors.alert_get_in_scope(scope=scope, alert_id=alert_id, for_update=True)
    if alert.kind != AlertKind.AT_LARGE_PROPOSED or alert.case_id is None:
        raise Conflict(detail="this alert is not an at-large proposal")
    people_services.case_change_status(
        actor=actor,
        scope=scope,
        case_id=alert.case_id,
        to_status="at_large",
        reason=f"confirmed at large (proposal {alert.pk}): {reason.strip()}",
    )
    alert_services.alert_resolve(
        actor=actor,
        scope=scope,
        alert_id=alert.pk,
        disposition="referred",
        note=f"Confirmed at large: {reason.strip()}",
    )
    return int(alert.case_id)


def at_large_dismiss(*, actor: Any, scope: Scope, alert_id: int, reason: str) -> None:
    """The officer finds contact was not lost: the proposal is resolved, the case unchanged."""
    if not reason.strip():
        raise ValidationFailed(detail="give the reason for dismissing the proposal")
    alert = alert_selectors.alert_get_in_scope(scope=scope, alert_id=alert_id)
    if alert.kind != AlertKind.AT_LARGE_PROPOSED:
        raise Conflict(detail="this alert is not an at-large proposal")
    alert_services.alert_resolve(
        actor=actor,
        scope=scope,
        alert_id=alert.pk,
        disposition="contacted_compliant",
        note=f"At large not confirmed: {reason.strip()}",
    )
