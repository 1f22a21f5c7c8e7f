"""Pure rules of the graduated response to missed check-ins and silent phones: which misses
count, which rung of the ladder they reach, what each rung does, and how a silence is judged.

No Django, no tables (import-linter): plain values in, plain values out, `now` passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

# --- the ladder -----------------------------------------------------------


class MissSource(StrEnum):
    WINDOW = "window"  # a check-in window closed without a check-in
    UNVERIFIED_CHECKIN = "unverified_checkin"  # a check-in whose location could not be verified
    DEVICE_SILENCE = "device_silence"  # a phone or tracker stopped reporting


class MissStatus(StrEnum):
    """How a recorded miss stands on the ladder. Only COUNTED misses climb it."""

    COUNTED = "counted"
    TECHNICAL = "technical"  # a technical failure: never climbs the ladder
    PENDING = "pending"  # a silence the participant was reminded about; not counted yet
    RESUMED = "resumed"  # a silence that ended after the reminder: not counted


class TechnicalReason(StrEnum):
    LOW_BATTERY = "low_battery"  # the last report showed a low battery, then silence
    DEVICE_OUTAGE = "device_outage"  # a window missed while the device was out (technical)
    OFFICER_MARKED = "officer_marked"  # the officer judged it technical (audited, with a note)


class Rung(IntEnum):
    NONE = 0
    REMINDER = 1
    CALL = 2
    PLAN_REVIEW = 3


class Response(StrEnum):
    """What the platform does when a counted miss reaches a rung."""

    REMIND_PARTICIPANT = "remind_participant"
    CALL_TASK = "call_task"
    PLAN_REVIEW_TASK = "plan_review_task"
    SUPERVISOR_ALERT = "supervisor_alert"
    SILENCE_TASK = "silence_task"  # a phone still silent after its reminder


class PolicyInvalid(ValueError):
    pass


@dataclass(frozen=True)
class LadderPolicySpec:
    """An office's ladder (the program default when the office has none). Counted misses
    within `window_weeks` set the rung: `reminder_at` of them send a reminder, `call_at` open a
    call task, `review_at` a plan-review task and an alert to the supervisor. A silent phone is
    judged only during `coverage_start`-`coverage_end` (office time; equal bounds: all day) and
    gets its officer task `silence_task_after` after the participant's reminder."""

    window_weeks: int = 8
    reminder_at: int = 1
    call_at: int = 2
    review_at: int = 3
    silence_task_after: timedelta = timedelta(hours=2)
    coverage_start: time = time(7, 0)
    coverage_end: time = time(22, 0)

    def problems(self) -> list[str]:
        """Why the policy cannot be used (empty when it can)."""
        out: list[str] = []
        if not 1 <= self.window_weeks <= 104:
            out.append("the counting period must be 1 to 104 weeks")
        if not 1 <= self.reminder_at < self.call_at < self.review_at <= 50:
            out.append("the rungs must rise: 1 <= reminder < call < plan review <= 50")
        if not timedelta(minutes=5) <= self.silence_task_after <= timedelta(days=7):
            out.append("the silence task delay must be 5 minutes to 7 days")
        return out


DEFAULT_POLICY = LadderPolicySpec()


@dataclass(frozen=True)
class MissFact:
    """One recorded miss as the ladder sees it."""

    ref: str
    source: MissSource
    at: datetime
    status: MissStatus
    reason: str = ""


@dataclass(frozen=True)
class MissVerdict:
    miss: MissFact
    counts: bool
    why: str  # a short code: counted | technical:<reason> | pending | resumed | expired


@dataclass(frozen=True)
class LadderStanding:
    rung: Rung
    counted: int
    since: datetime  # the start of the counting period
    verdicts: tuple[MissVerdict, ...]  # newest first

    @property
    def counted_misses(self) -> list[MissVerdict]:
        return [v for v in self.verdicts if v.counts]

    @property
    def not_counted(self) -> list[MissVerdict]:
        return [v for v in self.verdicts if not v.counts]


def rung_for_count(count: int, policy: LadderPolicySpec) -> Rung:
    if count >= policy.review_at:
        return Rung.PLAN_REVIEW
    if count >= policy.call_at:
        return Rung.CALL
    if count >= policy.reminder_at:
        return Rung.REMINDER
    return Rung.NONE


def miss_verdict(miss: MissFact, *, since: datetime) -> MissVerdict:
    if miss.status == MissStatus.TECHNICAL:
        return MissVerdict(miss, False, f"technical:{miss.reason or 'unspecified'}")
    if miss.status in (MissStatus.PENDING, MissStatus.RESUMED):
        return MissVerdict(miss, False, str(miss.status))
    if miss.at < since:
        return MissVerdict(miss, False, "expired")
    return MissVerdict(miss, True, "counted")


def ladder_standing(
    misses: Sequence[MissFact], *, policy: LadderPolicySpec, now: datetime
) -> LadderStanding:
    """Where the participant stands: counted misses in the last `window_weeks` (technical,
    pending, resumed and older misses do not count) give the rung."""
    since = now - timedelta(weeks=policy.window_weeks)
    verdicts = tuple(
        miss_verdict(m, since=since)
        for m in sorted(misses, key=lambda m: (m.at, m.ref), reverse=True)
        if m.at <= now
    )
    counted = sum(1 for v in verdicts if v.counts)
    return LadderStanding(
        rung=rung_for_count(counted, policy), counted=counted, since=since, verdicts=verdicts
    )


def ladder_responses(rung: Rung, *, source: MissSource) -> tuple[Response, ...]:
    """What a counted miss that reaches `rung` sets off. A silence has already had its own
    reminder and gets its own officer task (the silence task stands in for the call task)."""
    if rung == Rung.NONE:
        return ()
    base: tuple[Response, ...] = {
        Rung.REMINDER: (Response.REMIND_PARTICIPANT,),
        Rung.CALL: (Response.CALL_TASK,),
        Rung.PLAN_REVIEW: (Response.PLAN_REVIEW_TASK, Response.SUPERVISOR_ALERT),
    }[rung]
    if source == MissSource.DEVICE_SILENCE:
        rest = tuple(r for r in base if r not in (Response.REMIND_PARTICIPANT, Response.CALL_TASK))
        return (Response.SILENCE_TASK, *rest)
    return base


@dataclass(frozen=True)
class Outage:
    """A stretch in which a participant's device was out for a technical reason (a silence
    judged technical). `end` None: still out."""

    start: datetime
    end: datetime | None


def window_miss_is_technical(
    *, opens_at: datetime, closes_at: datetime, outages: Sequence[Outage]
) -> bool:
    """A window missed while the participant's device was out for a technical reason is a
    technical miss: the outage overlaps the window."""
    return any(o.start < closes_at and (o.end is None or o.end > opens_at) for o in outages)


# --- silent phones and trackers --------------------------------------------


class SilenceVerdict(StrEnum):
    REPORTING = "reporting"  # not silent long enough
    LIKELY_TECHNICAL = "likely_technical"  # low battery on the last report, then silence
    OUTSIDE_HOURS = "outside_hours"  # silent, but not in hours the plan covers: wait
    UNEXPLAINED = "unexplained"  # normal battery, silent in covered hours


LOW_LEVELS = frozenset({"low", "critical"})


@dataclass(frozen=True)
class LastReport:
    """The device's last report before the silence."""

    at: datetime
    battery: int | None
    battery_level: str | None  # ok | low | critical (telemetry's level, with hysteresis)
    charging: bool | None


def within_hours(moment: datetime, *, start: time, end: time, tz: str) -> bool:
    """Is `moment` inside [start, end) in the zone's local time? An overnight span (22:00 to
    06:00) wraps; equal bounds mean all day."""
    local = moment.astimezone(ZoneInfo(tz)).time()
    if start == end:
        return True
    if start < end:
        return start <= local < end
    return local >= start or local < end


def battery_was_low(last: LastReport, *, low_percent: int) -> bool:
    """A low (or critical) level on the last report, unless it was charging then."""
    if last.charging:
        return False
    if last.battery_level in LOW_LEVELS:
        return True
    return last.battery is not None and last.battery <= low_percent


def silence_classify(
    *,
    last: LastReport,
    now: datetime,
    threshold: timedelta,
    plan_tracks: bool,
    policy: LadderPolicySpec,
    tz: str,
    low_percent: int,
) -> SilenceVerdict:
    """Separates a phone that stopped reporting from non-compliance: low battery then silence
    is likely technical (whatever the hour); a normal battery then silence counts only in hours
    the plan covers (a plan that tracks this device, inside the coverage hours)."""
    if now - last.at <= threshold:
        return SilenceVerdict.REPORTING
    if battery_was_low(last, low_percent=low_percent):
        return SilenceVerdict.LIKELY_TECHNICAL
    if not plan_tracks or not within_hours(
        now, start=policy.coverage_start, end=policy.coverage_end, tz=tz
    ):
        return SilenceVerdict.OUTSIDE_HOURS
    return SilenceVerdict.UNEXPLAINED


class SilenceStep(StrEnum):
    NONE = "none"
    REMIND = "remind"  # first: a reminder to the participant
    COUNT = "count"  # still silent after the reminder: count the miss, task the officer


def silence_next_step(
    *,
    verdict: SilenceVerdict,
    reminded_at: datetime | None,
    counted: bool,
    now: datetime,
    policy: LadderPolicySpec,
) -> SilenceStep:
    """An unexplained silence gets the participant's reminder first; if it goes on for
    `silence_task_after` more, it counts as a miss and the officer gets a task."""
    if verdict != SilenceVerdict.UNEXPLAINED or counted:
        return SilenceStep.NONE
    if reminded_at is None:
        return SilenceStep.REMIND
    if now - reminded_at >= policy.silence_task_after:
        return SilenceStep.COUNT
    return SilenceStep.NONE
