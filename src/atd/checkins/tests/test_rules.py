"""Check-in rules, without a database."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from atd.checkins.rules import (
    Fix,
    LocationStatus,
    PriorPoint,
    checkin_satisfies,
    delivered_late,
    distance_m,
    first_report_window,
    idempotency_key_is_valid,
    location_verdict,
    plan_due_dates,
    plan_generation_start,
    plan_windows,
    plausibility_flags,
    receipt_code_format,
    window_for_due_date,
    window_outcome_at_close,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_plan_due_dates_follow_the_cadence_from_the_start() -> None:
    dues = plan_due_dates(date(2026, 1, 1), 28, until=date(2026, 4, 1), after=date(2026, 1, 1))
    assert dues == [date(2026, 1, 29), date(2026, 2, 26), date(2026, 3, 26)]


def test_plan_due_dates_resume_strictly_after_the_last_generated() -> None:
    dues = plan_due_dates(date(2026, 1, 1), 7, until=date(2026, 1, 31), after=date(2026, 1, 15))
    assert dues == [date(2026, 1, 22), date(2026, 1, 29)]


def test_window_opens_grace_days_before_and_closes_after_grace_in_local_time() -> None:
    w = window_for_due_date(date(2026, 3, 10), grace_before=2, grace_after=1, tz="America/Chicago")
    assert w.opens_at == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # midnight CST
    assert w.closes_at == datetime(2026, 3, 12, 5, 0, tzinfo=UTC)  # midnight CDT (DST began)


def test_first_report_is_due_within_report_by_days_of_release() -> None:
    w = first_report_window(release_date=date(2026, 1, 5), report_by_days=60, tz="UTC")
    assert w.due_date == date(2026, 3, 6)
    assert w.opens_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert w.closes_at == datetime(2026, 3, 7, tzinfo=UTC)


def test_generation_never_starts_before_the_plan_was_recorded() -> None:
    start = plan_generation_start(
        plan_start=date(2025, 6, 1),
        plan_recorded=date(2026, 3, 1),
        last_due=None,
        today=date(2026, 3, 10),
        catchup_days=120,
    )
    assert start == date(2026, 3, 1)


def test_generation_catches_up_windows_that_fell_due_during_downtime() -> None:
    start = plan_generation_start(
        plan_start=date(2026, 1, 1),
        plan_recorded=date(2026, 1, 1),
        last_due=date(2026, 1, 15),
        today=date(2026, 3, 10),
        catchup_days=120,
    )
    windows = plan_windows(
        start=date(2026, 1, 1),
        cadence_days=7,
        after=start,
        until=date(2026, 3, 10),
        grace_before=1,
        grace_after=1,
        tz="UTC",
    )
    assert windows[0].due_date == date(2026, 1, 22)
    assert len(windows) == 7


def test_attempted_window_is_not_non_compliance() -> None:
    assert window_outcome_at_close(completed=0, attempted=1) == "attempted"
    assert window_outcome_at_close(completed=1, attempted=3) == "completed"
    assert window_outcome_at_close(completed=0, attempted=0) == "missed"


def test_in_person_satisfies_any_window_but_remote_only_a_remote_one() -> None:
    assert checkin_satisfies(window_mode="in_person", checkin_kind="in_person")
    assert checkin_satisfies(window_mode="remote", checkin_kind="in_person")
    assert checkin_satisfies(window_mode="remote", checkin_kind="remote")
    assert not checkin_satisfies(window_mode="in_person", checkin_kind="remote")


def test_captured_in_window_but_delivered_after_close_is_late_delivery() -> None:
    close = NOW
    assert delivered_late(
        captured_at=close - timedelta(hours=1),
        received_at=close + timedelta(hours=3),
        closes_at=close,
    )
    assert not delivered_late(
        captured_at=close + timedelta(minutes=1),
        received_at=close + timedelta(hours=3),
        closes_at=close,
    )


def _verdict(fix: Fix | None, error: str | None = None) -> tuple[str, str]:
    return location_verdict(
        fix, error, max_accuracy_m=100, captured_at=NOW, max_fix_age=timedelta(minutes=10)
    )


def test_accurate_recent_fix_is_verified() -> None:
    assert _verdict(Fix(41.0, -87.0, 25.0, NOW)) == (LocationStatus.VERIFIED, "")


def test_location_denied_is_unverified_with_the_reason() -> None:
    assert _verdict(None, "denied") == (LocationStatus.UNVERIFIED, "denied")


def test_no_fix_without_a_reason_is_unverified_missing() -> None:
    # A laptop that never asked for location cannot check in "from anywhere" as verified.
    assert _verdict(None, None) == (LocationStatus.UNVERIFIED, "missing")
    assert _verdict(None, "made-up") == (LocationStatus.UNVERIFIED, "missing")


def test_fix_worse_than_the_accuracy_limit_is_unverified() -> None:
    assert _verdict(Fix(41.0, -87.0, 2500.0, NOW)) == (LocationStatus.UNVERIFIED, "inaccurate")


def test_old_fix_is_stale() -> None:
    assert _verdict(Fix(41.0, -87.0, 10.0, NOW - timedelta(hours=2))) == (
        LocationStatus.UNVERIFIED,
        "stale",
    )


def test_nonsense_coordinates_are_invalid() -> None:
    assert _verdict(Fix(95.0, -87.0, 10.0, NOW))[1] == "invalid"
    assert _verdict(Fix(41.0, -87.0, math.nan, NOW))[1] == "invalid"


def test_distance_is_great_circle() -> None:
    # Chicago to New York is about 1,145 km.
    assert 1_130_000 < distance_m(41.88, -87.63, 40.71, -74.0) < 1_160_000


def test_travel_faster_than_an_airliner_is_flagged() -> None:
    prior = PriorPoint("device", 41.88, -87.63, NOW - timedelta(minutes=30))
    flags = plausibility_flags(Fix(40.71, -74.0, 20, NOW), [prior], max_speed_kmh=900)
    assert flags[0]["kind"] == "impossible_speed"
    assert flags[0]["against"] == "device"


def test_gps_noise_within_accuracy_is_not_travel() -> None:
    prior = PriorPoint("checkin", 41.88, -87.63, NOW - timedelta(seconds=10), accuracy_m=50)
    fix = Fix(41.8804, -87.6304, 50, NOW)  # ~55 m away, 10 s later
    assert plausibility_flags(fix, [prior], max_speed_kmh=900) == []


def test_identical_coordinates_to_an_earlier_checkin_are_a_spoofing_signal() -> None:
    prior = PriorPoint("checkin", 41.123456, -87.654321, NOW - timedelta(days=7))
    flags = plausibility_flags(Fix(41.123456, -87.654321, 5, NOW), [prior], max_speed_kmh=900)
    assert [f["kind"] for f in flags] == ["repeated_coordinates"]


def test_idempotency_keys_are_bounded_tokens() -> None:
    assert idempotency_key_is_valid("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert not idempotency_key_is_valid("short")
    assert not idempotency_key_is_valid("has spaces in it")


def test_receipt_codes_are_readable_without_ambiguous_characters() -> None:
    code = receipt_code_format(123456789)
    assert code.startswith("CK-") and len(code) == 12
    assert not set(code[3:].replace("-", "")) & set("01OI")
