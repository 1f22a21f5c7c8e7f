"""The graduated response's rules and the silence classification, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atd.checkins.ladder_rules import (
    DEFAULT_POLICY,
    LadderPolicySpec,
    LastReport,
    MissFact,
    MissSource,
    MissStatus,
    Outage,
    Response,
    Rung,
    SilenceStep,
    SilenceVerdict,
    ladder_responses,
    ladder_standing,
    rung_for_count,
    silence_classify,
    silence_next_step,
    window_miss_is_technical,
    within_hours,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York (EDT)
TZ = "America/New_York"


def miss(
    days_ago: float,
    status: MissStatus = MissStatus.COUNTED,
    source: MissSource = MissSource.WINDOW,
    reason: str = "",
) -> MissFact:
    return MissFact(
        ref=f"{source}:{days_ago}:{status}",
        source=source,
        at=NOW - timedelta(days=days_ago),
        status=status,
        reason=reason,
    )


# --- rungs -----------------------------------------------------------------


def test_no_counted_miss_is_no_step() -> None:
    assert ladder_standing([], policy=DEFAULT_POLICY, now=NOW).rung == Rung.NONE


def test_first_counted_miss_sends_the_participant_a_reminder() -> None:
    standing = ladder_standing([miss(1)], policy=DEFAULT_POLICY, now=NOW)
    assert standing.rung == Rung.REMINDER and standing.counted == 1
    assert ladder_responses(standing.rung, source=MissSource.WINDOW) == (
        Response.REMIND_PARTICIPANT,
    )


def test_second_counted_miss_opens_a_call_task_for_the_officer() -> None:
    standing = ladder_standing([miss(1), miss(20)], policy=DEFAULT_POLICY, now=NOW)
    assert standing.rung == Rung.CALL
    assert ladder_responses(standing.rung, source=MissSource.WINDOW) == (Response.CALL_TASK,)


def test_third_counted_miss_within_the_weeks_opens_plan_review_and_alerts_the_supervisor() -> None:
    standing = ladder_standing([miss(1), miss(20), miss(50)], policy=DEFAULT_POLICY, now=NOW)
    assert standing.rung == Rung.PLAN_REVIEW
    assert ladder_responses(standing.rung, source=MissSource.WINDOW) == (
        Response.PLAN_REVIEW_TASK,
        Response.SUPERVISOR_ALERT,
    )


def test_a_miss_older_than_the_counting_period_does_not_count() -> None:
    # Default 8 weeks = 56 days: the miss 60 days ago has fallen off the ladder.
    standing = ladder_standing([miss(1), miss(20), miss(60)], policy=DEFAULT_POLICY, now=NOW)
    assert standing.rung == Rung.CALL
    assert [v.why for v in standing.not_counted] == ["expired"]


def test_technical_misses_never_climb_the_ladder() -> None:
    misses = [
        miss(1, MissStatus.TECHNICAL, reason="officer_marked"),
        miss(2, MissStatus.TECHNICAL, MissSource.DEVICE_SILENCE, "low_battery"),
        miss(3, MissStatus.TECHNICAL, reason="device_outage"),
    ]
    standing = ladder_standing(misses, policy=DEFAULT_POLICY, now=NOW)
    assert standing.rung == Rung.NONE and standing.counted == 0
    assert {v.why for v in standing.not_counted} == {
        "technical:officer_marked",
        "technical:low_battery",
        "technical:device_outage",
    }


def test_a_silence_pending_its_reminder_or_resumed_does_not_count() -> None:
    misses = [
        miss(0.1, MissStatus.PENDING, MissSource.DEVICE_SILENCE),
        miss(2, MissStatus.RESUMED, MissSource.DEVICE_SILENCE),
    ]
    standing = ladder_standing(misses, policy=DEFAULT_POLICY, now=NOW)
    assert standing.rung == Rung.NONE
    assert [v.why for v in standing.verdicts] == ["pending", "resumed"]


def test_counted_silences_climb_on_an_equal_footing_with_missed_check_ins() -> None:
    misses = [
        miss(1, source=MissSource.DEVICE_SILENCE),
        miss(9, source=MissSource.WINDOW),
        miss(15, source=MissSource.UNVERIFIED_CHECKIN),
    ]
    assert ladder_standing(misses, policy=DEFAULT_POLICY, now=NOW).rung == Rung.PLAN_REVIEW


def test_a_silence_has_its_own_task_instead_of_a_second_reminder_or_a_call() -> None:
    assert ladder_responses(Rung.REMINDER, source=MissSource.DEVICE_SILENCE) == (
        Response.SILENCE_TASK,
    )
    assert ladder_responses(Rung.CALL, source=MissSource.DEVICE_SILENCE) == (Response.SILENCE_TASK,)
    assert ladder_responses(Rung.PLAN_REVIEW, source=MissSource.DEVICE_SILENCE) == (
        Response.SILENCE_TASK,
        Response.PLAN_REVIEW_TASK,
        Response.SUPERVISOR_ALERT,
    )
    assert ladder_responses(Rung.NONE, source=MissSource.WINDOW) == ()


def test_an_office_ladder_with_other_thresholds_is_followed() -> None:
    strict = LadderPolicySpec(window_weeks=4, reminder_at=1, call_at=3, review_at=4)
    misses = [miss(1), miss(5), miss(10)]
    assert ladder_standing(misses, policy=strict, now=NOW).rung == Rung.CALL
    assert ladder_standing([*misses, miss(40)], policy=strict, now=NOW).rung == Rung.CALL


def test_misses_after_now_are_not_seen() -> None:
    assert ladder_standing([miss(-1)], policy=DEFAULT_POLICY, now=NOW).rung == Rung.NONE


def test_verdicts_are_newest_first() -> None:
    standing = ladder_standing([miss(5), miss(1), miss(3)], policy=DEFAULT_POLICY, now=NOW)
    assert [v.miss.at for v in standing.verdicts] == sorted(
        (v.miss.at for v in standing.verdicts), reverse=True
    )


@pytest.mark.parametrize(
    ("policy", "ok"),
    [
        (DEFAULT_POLICY, True),
        (LadderPolicySpec(reminder_at=2, call_at=2, review_at=3), False),
        (LadderPolicySpec(reminder_at=0), False),
        (LadderPolicySpec(window_weeks=0), False),
        (LadderPolicySpec(window_weeks=105), False),
        (LadderPolicySpec(silence_task_after=timedelta(minutes=1)), False),
        (LadderPolicySpec(review_at=51, call_at=2), False),
    ],
)
def test_a_ladder_must_rise_and_stay_within_bounds(policy: LadderPolicySpec, ok: bool) -> None:
    assert (policy.problems() == []) is ok


@given(st.integers(min_value=0, max_value=1000))
def test_rung_never_falls_as_counted_misses_grow(count: int) -> None:
    assert rung_for_count(count + 1, DEFAULT_POLICY) >= rung_for_count(count, DEFAULT_POLICY)


# --- device outages ----------------------------------------------------------


def test_a_window_missed_during_a_technical_outage_is_technical() -> None:
    opens, closes = NOW - timedelta(days=3), NOW
    assert window_miss_is_technical(
        opens_at=opens, closes_at=closes, outages=[Outage(NOW - timedelta(days=1), None)]
    )
    assert window_miss_is_technical(
        opens_at=opens,
        closes_at=closes,
        outages=[Outage(NOW - timedelta(days=4), NOW - timedelta(days=2))],
    )


def test_an_outage_outside_the_window_does_not_excuse_the_miss() -> None:
    opens, closes = NOW - timedelta(days=3), NOW
    assert not window_miss_is_technical(
        opens_at=opens,
        closes_at=closes,
        outages=[
            Outage(NOW - timedelta(days=10), NOW - timedelta(days=5)),
            Outage(NOW + timedelta(hours=1), None),
        ],
    )
    assert not window_miss_is_technical(opens_at=opens, closes_at=closes, outages=[])


# --- silences ---------------------------------------------------------------


def report(
    hours_ago: float,
    battery: int | None = 80,
    level: str | None = "ok",
    charging: bool | None = None,
    before: datetime = NOW,
) -> LastReport:
    return LastReport(
        at=before - timedelta(hours=hours_ago),
        battery=battery,
        battery_level=level,
        charging=charging,
    )


def classify(
    last: LastReport, *, plan_tracks: bool = True, now: datetime = NOW, **kw: object
) -> SilenceVerdict:
    return silence_classify(
        last=last,
        now=now,
        threshold=timedelta(hours=4),
        plan_tracks=plan_tracks,
        policy=LadderPolicySpec(**kw),  # type: ignore[arg-type]
        tz=TZ,
        low_percent=20,
    )


def test_a_phone_within_its_threshold_is_reporting() -> None:
    assert classify(report(3)) == SilenceVerdict.REPORTING


def test_case_a_low_battery_then_silence_is_likely_technical() -> None:
    assert classify(report(5, battery=12, level="low")) == SilenceVerdict.LIKELY_TECHNICAL
    assert classify(report(5, battery=3, level="critical")) == SilenceVerdict.LIKELY_TECHNICAL
    # A percentage at the threshold with no level yet (first report) is low too.
    assert classify(report(5, battery=20, level=None)) == SilenceVerdict.LIKELY_TECHNICAL
    # Whatever the hour: a flat phone at night is still technical.
    night = NOW.replace(hour=6)  # 02:00 in New York
    assert (
        classify(report(5, battery=10, level="low", before=night), now=night)
        == SilenceVerdict.LIKELY_TECHNICAL
    )


def test_a_low_battery_that_was_charging_is_not_an_excuse() -> None:
    assert classify(report(5, battery=10, level="low", charging=True)) == (
        SilenceVerdict.UNEXPLAINED
    )


def test_case_b_normal_battery_then_silence_in_covered_hours_is_unexplained() -> None:
    assert classify(report(5)) == SilenceVerdict.UNEXPLAINED
    assert classify(report(5, battery=None, level=None)) == SilenceVerdict.UNEXPLAINED


def test_case_b_silence_outside_covered_hours_waits() -> None:
    night = NOW.replace(hour=6)  # 02:00 in New York, outside the default 07:00-22:00
    assert classify(report(5, before=night), now=night) == SilenceVerdict.OUTSIDE_HOURS
    assert classify(report(5), plan_tracks=False) == SilenceVerdict.OUTSIDE_HOURS


def test_case_b_the_participant_is_reminded_first_then_the_officer_gets_a_task() -> None:
    policy = DEFAULT_POLICY
    first = silence_next_step(
        verdict=SilenceVerdict.UNEXPLAINED, reminded_at=None, counted=False, now=NOW, policy=policy
    )
    assert first == SilenceStep.REMIND
    soon = silence_next_step(
        verdict=SilenceVerdict.UNEXPLAINED,
        reminded_at=NOW - timedelta(minutes=30),
        counted=False,
        now=NOW,
        policy=policy,
    )
    assert soon == SilenceStep.NONE
    later = silence_next_step(
        verdict=SilenceVerdict.UNEXPLAINED,
        reminded_at=NOW - policy.silence_task_after,
        counted=False,
        now=NOW,
        policy=policy,
    )
    assert later == SilenceStep.COUNT
    done = silence_next_step(
        verdict=SilenceVerdict.UNEXPLAINED,
        reminded_at=NOW - timedelta(days=1),
        counted=True,
        now=NOW,
        policy=policy,
    )
    assert done == SilenceStep.NONE


def test_case_c_technical_and_waiting_silences_take_no_step() -> None:
    for verdict in (
        SilenceVerdict.LIKELY_TECHNICAL,
        SilenceVerdict.OUTSIDE_HOURS,
        SilenceVerdict.REPORTING,
    ):
        step = silence_next_step(
            verdict=verdict, reminded_at=None, counted=False, now=NOW, policy=DEFAULT_POLICY
        )
        assert step == SilenceStep.NONE


@pytest.mark.parametrize(
    ("local", "start", "end", "inside"),
    [
        (time(7, 0), time(7, 0), time(22, 0), True),
        (time(22, 0), time(7, 0), time(22, 0), False),
        (time(6, 59), time(7, 0), time(22, 0), False),
        (time(23, 0), time(22, 0), time(6, 0), True),  # overnight span wraps
        (time(5, 0), time(22, 0), time(6, 0), True),
        (time(12, 0), time(22, 0), time(6, 0), False),
        (time(3, 0), time(0, 0), time(0, 0), True),  # equal bounds: all day
    ],
)
def test_within_hours_uses_local_time(local: time, start: time, end: time, inside: bool) -> None:
    from zoneinfo import ZoneInfo

    moment = datetime.combine(NOW.date(), local, tzinfo=ZoneInfo(TZ))
    assert within_hours(moment, start=start, end=end, tz=TZ) is inside
