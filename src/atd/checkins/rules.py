"""Pure check-in rules: windows from a cadence or a deadline, location verdicts, plausibility."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from atd.core.geo import distance_m

# --- windows --------------------------------------------------------------


@dataclass(frozen=True)
class WindowSpec:
    """A period in which a check-in is due: it opens at the start of `opens_on` and closes at
    the end of `closes_on`, both in the office's local time."""

    due_date: date
    opens_at: datetime
    closes_at: datetime


def local_day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def window_for_due_date(due: date, *, grace_before: int, grace_after: int, tz: str) -> WindowSpec:
    """Open `grace_before` days before the due date, closed at the end of `grace_after` days
    after it (local midnight), so a participant always has whole days to report."""
    opens = local_day_start(due - timedelta(days=grace_before), tz)
    closes = local_day_start(due + timedelta(days=grace_after + 1), tz)
    return WindowSpec(due_date=due, opens_at=opens, closes_at=closes)


def plan_due_dates(start: date, cadence_days: int, *, until: date, after: date) -> list[date]:
    """Due dates of a plan: one cadence after the start, then every cadence, strictly after
    `after` and up to `until` (inclusive)."""
    if cadence_days < 1:
        raise ValueError("cadence must be at least one day")
    out: list[date] = []
    first = start + timedelta(days=cadence_days)
    if first <= after:
        skip = (after - first).days // cadence_days + 1
        first = first + timedelta(days=skip * cadence_days)
    day = first
    while day <= until:
        out.append(day)
        day += timedelta(days=cadence_days)
    return out


def plan_windows(
    *,
    start: date,
    cadence_days: int,
    after: date,
    until: date,
    grace_before: int,
    grace_after: int,
    tz: str,
) -> list[WindowSpec]:
    """Windows of a plan due strictly after `after` and up to `until`. The caller passes the
    last due date it already generated (or a catch-up horizon), so windows that fell due while
    the worker was down are still generated and then closed as missed."""
    dues = plan_due_dates(start, cadence_days, until=until, after=after)
    return [
        window_for_due_date(d, grace_before=grace_before, grace_after=grace_after, tz=tz)
        for d in dues
    ]


def plan_generation_start(
    *, plan_start: date, plan_recorded: date, last_due: date | None, today: date, catchup_days: int
) -> date:
    """The date after which a plan's windows still need generating: never before the plan was
    recorded (no one can miss a window that did not exist yet), never twice, and no further
    back than the catch-up horizon."""
    candidates = [plan_start, plan_recorded, today - timedelta(days=catchup_days)]
    if last_due is not None:
        candidates.append(last_due)
    return max(candidates)


def checkin_satisfies(*, window_mode: str, checkin_kind: str) -> bool:
    """An in-person check-in satisfies any window; a remote one only a remote window."""
    return checkin_kind == "in_person" or window_mode == "remote"


def first_report_window(*, release_date: date, report_by_days: int, tz: str) -> WindowSpec:
    """The intake deadline: the first report is due within `report_by_days` of release."""
    due = release_date + timedelta(days=report_by_days)
    return WindowSpec(
        due_date=due,
        opens_at=local_day_start(release_date, tz),
        closes_at=local_day_start(due + timedelta(days=1), tz),
    )


class WindowOutcome:
    COMPLETED = "completed"
    ATTEMPTED = "attempted"
    MISSED = "missed"


def window_outcome_at_close(*, completed: int, attempted: int) -> str:
    """A window closes as completed when any check-in counted, attempted when only technical
    failures were recorded (never non-compliance), otherwise missed."""
    if completed:
        return WindowOutcome.COMPLETED
    if attempted:
        return WindowOutcome.ATTEMPTED
    return WindowOutcome.MISSED


def delivered_late(*, captured_at: datetime, received_at: datetime, closes_at: datetime) -> bool:
    """Captured on the device inside the window but only delivered after it closed (the phone
    was offline): the officer sees it as an attempt in time, not a miss."""
    return captured_at < closes_at <= received_at


# --- location -------------------------------------------------------------


class LocationStatus:
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    IN_PERSON = "in_person"


class UnverifiedReason:
    DENIED = "denied"
    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    INACCURATE = "inaccurate"
    MISSING = "missing"
    INVALID = "invalid"
    STALE = "stale"


CLIENT_LOCATION_ERRORS = {
    UnverifiedReason.DENIED,
    UnverifiedReason.UNAVAILABLE,
    UnverifiedReason.TIMEOUT,
}


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float
    at: datetime


def location_verdict(
    fix: Fix | None,
    client_error: str | None,
    *,
    max_accuracy_m: float,
    captured_at: datetime,
    max_fix_age: timedelta,
) -> tuple[str, str]:
    """(status, reason). A check-in is verified only with a real fix, at least as accurate as
    the configured limit, taken around the time of the check-in; anything else is stored as
    unverified with the reason, never dropped."""
    if fix is None:
        if client_error in CLIENT_LOCATION_ERRORS:
            return LocationStatus.UNVERIFIED, str(client_error)
        return LocationStatus.UNVERIFIED, UnverifiedReason.MISSING
    if not (-90 <= fix.lat <= 90 and -180 <= fix.lon <= 180) or not (
        math.isfinite(fix.accuracy_m) and fix.accuracy_m >= 0
    ):
        return LocationStatus.UNVERIFIED, UnverifiedReason.INVALID
    if fix.accuracy_m > max_accuracy_m:
        return LocationStatus.UNVERIFIED, UnverifiedReason.INACCURATE
    if abs(captured_at - fix.at) > max_fix_age:
        return LocationStatus.UNVERIFIED, UnverifiedReason.STALE
    return LocationStatus.VERIFIED, ""


# --- plausibility ---------------------------------------------------------


@dataclass(frozen=True)
class PriorPoint:
    """A previous known position: an earlier check-in or the last device position."""

    source: str  # "checkin" | "device"
    lat: float
    lon: float
    at: datetime
    accuracy_m: float = 0.0


class PlausibilityFlag:
    IMPOSSIBLE_SPEED = "impossible_speed"
    REPEATED_COORDINATES = "repeated_coordinates"


def implied_speed_kmh(a: PriorPoint, fix: Fix) -> float | None:
    """Speed needed to get from `a` to `fix`, after allowing for both accuracies (a noisy fix
    must not look like travel). None when no time passed."""
    hours = abs((fix.at - a.at).total_seconds()) / 3600
    metres = max(0.0, distance_m(a.lat, a.lon, fix.lat, fix.lon) - a.accuracy_m - fix.accuracy_m)
    if hours <= 0:
        return math.inf if metres > 0 else None
    return metres / 1000 / hours


def plausibility_flags(
    fix: Fix, priors: list[PriorPoint], *, max_speed_kmh: float
) -> list[dict[str, object]]:
    """Signals for the officer (never a penalty): travel faster than any airliner since a
    previous position, and coordinates identical to an earlier check-in's (real fixes jitter;
    exact repeats suggest a spoofed location)."""
    flags: list[dict[str, object]] = []
    for prior in priors:
        speed = implied_speed_kmh(prior, fix)
        if speed is not None and speed > max_speed_kmh:
            flags.append(
                {
                    "kind": PlausibilityFlag.IMPOSSIBLE_SPEED,
                    "against": prior.source,
                    "km": round(distance_m(prior.lat, prior.lon, fix.lat, fix.lon) / 1000, 1),
                    "hours": round(abs((fix.at - prior.at).total_seconds()) / 3600, 2),
                    "speed_kmh": None if math.isinf(speed) else round(speed),
                }
            )
            break
    repeats = [
        p
        for p in priors
        if p.source == "checkin" and round(p.lat, 6) == round(fix.lat, 6)
        if round(p.lon, 6) == round(fix.lon, 6)
    ]
    if repeats:
        flags.append(
            {
                "kind": PlausibilityFlag.REPEATED_COORDINATES,
                "against": "checkin",
                "times": len(repeats),
            }
        )
    return flags


# --- receipts and keys ----------------------------------------------------

_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # read aloud without 0/O or 1/I


def idempotency_key_is_valid(key: str) -> bool:
    return bool(_KEY.match(key or ""))


def receipt_code_format(raw: int) -> str:
    """A short code the participant can read to an officer: CK-XXXX-XXXX."""
    chars = []
    for _ in range(8):
        raw, digit = divmod(raw, len(RECEIPT_ALPHABET))
        chars.append(RECEIPT_ALPHABET[digit])
    code = "".join(chars)
    return f"CK-{code[:4]}-{code[4:]}"
