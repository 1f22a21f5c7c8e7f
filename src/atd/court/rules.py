"""Pure court rules: report-by deadlines, unserved notices, hearing reminders, legal status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REMINDER_LEADS: tuple[tuple[str, timedelta], ...] = (
    ("7d", timedelta(days=7)),
    ("1d", timedelta(days=1)),
)
# The morning-of reminder: at this court-local time on the hearing day, or two hours before an
# earlier hearing. It is exempt from quiet hours (alerts.rules.QUIET_HOURS_EXEMPT_KINDS).
MORNING_OF = time(7, 0)
MORNING_OF_MIN_LEAD = timedelta(hours=2)

# Legal statuses that end supervision, and the case closure reason each one records.
CLOSING_STATUSES: dict[str, str] = {
    "removed": "removed",
    "voluntarily_departed": "voluntarily_departed",
    "deceased": "deceased",
    "in_custody": "taken_into_custody",
    "relief_granted": "relief_granted",
}


def report_by_default(release_date: date, days: int) -> date:
    """A Notice to Report without a printed date: report within `days` of release."""
    return release_date + timedelta(days=days)


def report_deadline_passed(
    *, report_by: date | None, reported_on: date | None, today: date
) -> bool:
    """The deadline has passed when its whole day is over and no report was recorded."""
    return report_by is not None and reported_on is None and today > report_by


def notice_service_overdue(
    *, issued_on: date, served_on: date | None, today: date, allowed_days: int
) -> bool:
    return served_on is None and (today - issued_on).days > allowed_days


def notice_served_as_of(*, served_on: date | None, day: date) -> bool:
    return served_on is not None and served_on <= day


def zone_known(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def hearing_morning_of(scheduled_at: datetime, zone: str | None) -> datetime:
    """When the morning-of reminder is due: 07:00 on the hearing day in the court's zone, or
    two hours before a hearing that starts before 09:00."""
    try:
        tz = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    local = scheduled_at.astimezone(tz)
    morning = datetime.combine(local.date(), MORNING_OF, tzinfo=tz)
    return min(morning, scheduled_at - MORNING_OF_MIN_LEAD)


def hearing_reminders_due(
    *,
    scheduled_at: datetime,
    now: datetime,
    leads: Iterable[tuple[str, timedelta]] = REMINDER_LEADS,
    zone: str | None = None,
) -> list[str]:
    """Reminder labels whose time has come and whose hearing is still ahead: "7d", "1d" and
    "day" (the morning of the hearing, in the court's zone). A restarted job that missed a
    moment still sends it while the hearing lies ahead, but an earlier reminder is skipped once
    a later one is due (one message is enough)."""
    if scheduled_at <= now:
        return []
    moments = [(label, scheduled_at - lead) for label, lead in leads]
    moments.append(("day", hearing_morning_of(scheduled_at, zone)))
    due = [label for label, at in sorted(moments, key=lambda m: m[1]) if now >= at]
    return due[-1:]


@dataclass(frozen=True)
class StatusStep:
    status: str
    effective_on: date
    recorded_at: datetime


def legal_status_at(steps: Iterable[StatusStep], day: date, known_at: datetime) -> str | None:
    """The legal status on `day` as it was known at `known_at`: the latest step in effect on
    that day among those recorded by then (ties broken by recording order)."""
    best: StatusStep | None = None
    for step in steps:
        if step.effective_on > day or step.recorded_at > known_at:
            continue
        if best is None or (step.effective_on, step.recorded_at) >= (
            best.effective_on,
            best.recorded_at,
        ):
            best = step
    return best.status if best else None


def closure_reason_for(status: str) -> str | None:
    return CLOSING_STATUSES.get(status)


# --- participant-facing time ----------------------------------------------------------------


def hearing_when_text(moment: datetime, zone: str | None) -> str:
    """A hearing's time as the participant reads it: local to the case's office, with the
    zone's abbreviation ("2026-12-03 09:00 CST"), never a bare UTC time. An unknown zone
    falls back to UTC, still named."""
    try:
        tz = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


# --- departure requests (issue 19) -----------------------------------------------------------

DEPARTURE_VERIFICATION_METHODS = ("exit_record", "boarding", "consulate", "escorted", "other")


def departure_stage(*, status: str, travel_document_status: str, task_done: bool) -> str:
    """The stage a participant is shown (a DepartureStage value): plain words, no internals."""
    if status == "confirmed":
        return "departed"
    if status == "cancelled":
        return "cancelled"
    document = {
        "requested": "document_requested",
        "issued": "document_issued",
        "refused": "document_refused",
    }.get(travel_document_status)
    if document:
        return document
    return "in_preparation" if task_done else "received"


def departure_verification_problem(*, method: str, note: str) -> str | None:
    """A departure counts as "departed" only with how it was verified; "other" says how."""
    if method not in DEPARTURE_VERIFICATION_METHODS:
        return "choose how the departure was verified"
    if method == "other" and not note.strip():
        return "say how the departure was verified"
    return None
