"""Review rules without a database: recommendation, deadlines, letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atd.reviews import rules
from atd.reviews.rules import ComplianceRecord

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _record(**changes: object) -> ComplianceRecord:
    base: dict[str, object] = {"days_supervised": 120, "window_days": 90, "checkins_on_time": 12}
    base.update(changes)
    return ComplianceRecord(**base)  # type: ignore[arg-type]


def test_ninety_compliant_days_on_an_ankle_monitor_recommend_a_wrist_device() -> None:
    advice = rules.recommend(_record(), "gps_ankle", required_days=90)
    assert advice.eligible and advice.to_technology == "wrist"
    assert advice.suggested_reason == "sustained_compliance"


def test_the_ladder_steps_down_one_level_at_a_time() -> None:
    assert [rules.next_step_down(t) for t in ("gps_ankle", "wrist", "smartphone", "telephone")] == [
        "wrist",
        "smartphone",
        "telephone",
        "in_person",
    ]
    assert rules.next_step_down("in_person") is None


def test_a_missed_checkin_in_the_window_blocks_the_step_down() -> None:
    advice = rules.recommend(_record(checkins_missed=1), "wrist", required_days=90)
    assert not advice.eligible
    assert advice.suggested_reason == "missed_checkins"


def test_an_unresolved_alert_blocks_the_step_down() -> None:
    advice = rules.recommend(_record(alerts_unresolved=2), "smartphone", required_days=90)
    assert not advice.eligible and "2 unresolved alert(s)" in advice.reasons


def test_too_short_a_record_is_not_eligible() -> None:
    advice = rules.recommend(_record(days_supervised=89), "gps_ankle", required_days=90)
    assert not advice.eligible and advice.suggested_reason == "short_record"


def test_unknown_history_is_never_taken_for_compliance() -> None:
    advice = rules.recommend(_record(checkins_available=False), "gps_ankle", required_days=90)
    assert not advice.eligible


def test_at_the_bottom_of_the_ladder_there_is_nothing_to_step_down_to() -> None:
    advice = rules.recommend(_record(), "in_person", required_days=90)
    assert not advice.eligible and advice.suggested_reason == "lowest_level"


def test_decision_is_due_after_the_configured_days_and_then_overdue() -> None:
    due = rules.decision_due(NOW, 14)
    assert due == NOW + timedelta(days=14)
    assert not rules.is_overdue(due, due, pending=True)
    assert rules.is_overdue(due, due + timedelta(seconds=1), pending=True)
    assert not rules.is_overdue(due, due + timedelta(days=1), pending=False)


def test_an_approval_must_move_to_a_less_restrictive_technology() -> None:
    assert (
        rules.decision_problem(approve=True, reason="x", to_technology="wrist", current="gps_ankle")
        is None
    )
    assert rules.decision_problem(
        approve=True, reason="x", to_technology="gps_ankle", current="wrist"
    )
    assert rules.decision_problem(approve=False, reason="", to_technology="", current="wrist")
