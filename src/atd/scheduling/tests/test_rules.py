"""Scheduling rules, without a database."""

from __future__ import annotations

from datetime import date, time, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from atd.scheduling.rules import (
    KIND_CHECKIN,
    KIND_FIRST_REPORT,
    CapacitySpec,
    assign_slots,
    backlog_horizon,
    capacity_calendar,
    checkin_due_dates,
    checkin_obligations,
    compliance_days_under_supervision,
    day_capacity,
    first_report_obligation,
    free_slot_numbers,
    office_day_fits,
    participants_to_move,
    planner_projection,
    slot_local_time,
)

MONDAY = date(2026, 11, 23)
SPEC = CapacitySpec(slots_per_staff_day=4, staff_on_duty=2)


def reference_assign(earliest: list[int], deadline: list[int], free: list[int]) -> list[int]:
    """The obvious loop the vectorised queue must agree with."""
    remaining = list(free)
    out = [-1] * len(earliest)
    for i in sorted(range(len(earliest)), key=lambda i: (earliest[i], deadline[i], i)):
        for day in range(max(earliest[i], 0), len(remaining)):
            if remaining[day] > 0:
                remaining[day] -= 1
                out[i] = day
                break
    return out


def test_office_is_closed_on_weekends_and_holidays() -> None:
    saturday = MONDAY + timedelta(days=5)
    assert day_capacity(SPEC, MONDAY) == 8
    assert day_capacity(SPEC, saturday) == 0
    assert day_capacity(SPEC, MONDAY, holidays={MONDAY}) == 0


def test_staff_override_replaces_standing_staff_for_that_day() -> None:
    assert day_capacity(SPEC, MONDAY, staff_overrides={MONDAY: 1}) == 4
    assert day_capacity(SPEC, MONDAY, staff_overrides={MONDAY: 0}) == 0


def test_capacity_calendar_matches_day_capacity() -> None:
    holidays = {MONDAY + timedelta(days=3)}
    overrides = {MONDAY + timedelta(days=1): 3, MONDAY + timedelta(days=5): 5}
    cal = capacity_calendar(SPEC, MONDAY, 21, holidays=holidays, staff_overrides=overrides)
    expected = [
        day_capacity(SPEC, MONDAY + timedelta(days=i), holidays=holidays, staff_overrides=overrides)
        for i in range(21)
    ]
    assert cal.tolist() == expected
    assert cal[5] == 0  # staff on a closed Saturday do not open it


def test_parallel_staff_share_slot_times() -> None:
    spec = CapacitySpec(day_start=time(9, 0), slot_minutes=20)
    assert slot_local_time(spec, 0, 2) == time(9, 0)
    assert slot_local_time(spec, 1, 2) == time(9, 0)
    assert slot_local_time(spec, 2, 2) == time(9, 20)


def test_office_day_must_end_by_midnight() -> None:
    assert office_day_fits(time(8, 0), 16, 30)
    assert not office_day_fits(time(20, 0), 16, 30)


def test_free_slot_numbers_skip_taken_ones() -> None:
    assert free_slot_numbers(5, [1, 3]) == [0, 2, 4]


def test_checkin_due_dates_follow_the_cadence_from_plan_start() -> None:
    start = date(2026, 1, 1)
    dues = checkin_due_dates(start, 28, date(2026, 2, 1), date(2026, 4, 30))
    assert dues == [date(2026, 2, 26), date(2026, 3, 26), date(2026, 4, 23)]


def test_plan_start_itself_is_not_a_due_date() -> None:
    start = date(2026, 1, 1)
    assert checkin_due_dates(start, 7, start, start + timedelta(days=7)) == [date(2026, 1, 8)]


def test_checkin_window_opens_no_earlier_than_today() -> None:
    today = date(2026, 3, 1)
    obligations = checkin_obligations(
        participant_id=7,
        plan_start=date(2026, 2, 1),
        cadence_days=28,
        today=today,
        horizon_days=60,
        grace_before_days=7,
        grace_after_days=7,
    )
    assert [o.due for o in obligations] == [date(2026, 3, 1), date(2026, 3, 29), date(2026, 4, 26)]
    assert obligations[0].earliest == today
    assert obligations[1].earliest == date(2026, 3, 22)
    assert obligations[1].deadline == date(2026, 4, 5)
    assert all(o.kind == KIND_CHECKIN for o in obligations)


def test_first_report_is_late_sixty_days_after_release() -> None:
    o = first_report_obligation(
        participant_id=1, release_date=date(2026, 1, 5), today=date(2026, 1, 10), report_by_days=60
    )
    assert o.kind == KIND_FIRST_REPORT
    assert o.deadline == date(2026, 3, 6)
    assert o.earliest == date(2026, 1, 10)


def test_queue_books_first_free_slot_on_or_after_earliest() -> None:
    result = assign_slots([0, 0, 0, 2], [9, 9, 9, 9], [2, 0, 1, 5])
    assert result.day.tolist() == [0, 0, 2, 3]
    assert result.ordinal.tolist() == [0, 1, 0, 0]


def test_earlier_deadline_goes_first_when_windows_open_together() -> None:
    result = assign_slots([0, 0], [30, 3], [1, 1])
    assert result.day.tolist() == [1, 0]


def test_queue_reports_unplaced_when_calendar_runs_out() -> None:
    result = assign_slots([0, 0, 0], [1, 1, 1], [1, 1])
    assert result.day.tolist() == [0, 1, -1]
    assert result.placed.tolist() == [True, True, False]


def test_queue_handles_no_obligations() -> None:
    assert assign_slots([], [], [3, 3]).day.tolist() == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 10)), max_size=60),
    st.lists(st.integers(0, 4), min_size=1, max_size=40),
)
def test_queue_agrees_with_the_obvious_loop(
    windows: list[tuple[int, int]], free: list[int]
) -> None:
    earliest = [e for e, _ in windows]
    deadline = [e + w for e, w in windows]
    result = assign_slots(earliest, deadline, free)
    assert result.day.tolist() == reference_assign(earliest, deadline, free)
    booked = np.bincount(result.day[result.day >= 0], minlength=len(free))
    assert (booked <= np.asarray(free)).all()
    # Ordinals within a day are distinct and below that day's free count.
    for day in set(result.day.tolist()) - {-1}:
        ords = sorted(result.ordinal[result.day == day].tolist())
        assert ords == list(range(len(ords)))


def test_backlog_horizon_counts_days_to_last_booked() -> None:
    today = date(2026, 11, 23)
    h = backlog_horizon(today=today, last_booked=date(2032, 10, 1), booked=10, late=4)
    assert h.backlog_days == (date(2032, 10, 1) - today).days
    assert h.years == 5.9
    assert backlog_horizon(today=today, last_booked=None, booked=0, late=0).backlog_days == 0


def test_participants_to_move_needs_enough_compliant_days() -> None:
    compliance = {1: 10, 2: 90, 3: 200}
    assert participants_to_move(compliance, 90) == {2, 3}
    assert participants_to_move(compliance, 90, movable=[3]) == {3}


def test_planner_moving_compliant_checkins_shortens_the_horizon() -> None:
    # Two participants with five check-ins each; one slot a day.
    participant = [1] * 5 + [2] * 5
    earliest = [0] * 10
    deadline = [0] * 10
    points = planner_projection(
        participant=participant,
        kind_is_checkin=[True] * 10,
        earliest=earliest,
        deadline=deadline,
        capacity=[1] * 20,
        compliance_days={1: 400, 2: 20},
        thresholds=[365, 10],
    )
    assert [(p.min_days, p.moved, p.last_day) for p in points] == [
        (None, 0, 9),
        (365, 1, 4),
        (10, 2, -1),
    ]
    assert points[0].late == 9


def test_planner_never_moves_first_reports() -> None:
    points = planner_projection(
        participant=[1, 1],
        kind_is_checkin=[False, True],
        earliest=[0, 0],
        deadline=[5, 5],
        capacity=[1, 1, 1],
        compliance_days={1: 1000},
        thresholds=[0],
    )
    assert points[1].last_day == 0


def test_compliance_days_count_from_release() -> None:
    assert compliance_days_under_supervision(date(2026, 1, 1), date(2026, 1, 31)) == 30
    assert compliance_days_under_supervision(date(2026, 2, 1), date(2026, 1, 31)) == 0
