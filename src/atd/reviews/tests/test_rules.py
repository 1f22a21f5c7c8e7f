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
        rules.decision_problem(
            approve=True, reason="x", text="why", to_technology="wrist", current="gps_ankle"
        )
        is None
    )
    assert rules.decision_problem(
        approve=True, reason="x", to_technology="gps_ankle", current="wrist"
    )
    assert rules.decision_problem(approve=False, reason="", to_technology="", current="wrist")


# --- every kind of request (issue 19) ---------------------------------------------------------


def _failing(advice: rules.Recommendation) -> set[str]:
    return {c.code for c in advice.checks if not c.holds}


def test_a_named_technology_several_steps_down_is_eligible_after_a_clean_record() -> None:
    advice = rules.evaluate(
        "step_down", _record(), technology="gps_ankle", target_technology="telephone"
    )
    assert advice.eligible and advice.to_technology == "telephone"
    assert advice.summary.startswith("Eligible: all")


def test_a_named_technology_that_is_not_lower_does_not_hold() -> None:
    advice = rules.evaluate(
        "step_down", _record(), technology="wrist", target_technology="gps_ankle"
    )
    assert not advice.eligible and _failing(advice) == {"target_is_lower"}
    assert advice.suggested_reason == "not_applicable"


def test_fewer_checkins_needs_a_lower_cadence_and_a_clean_record() -> None:
    ok = rules.evaluate(
        "lower_cadence", _record(), technology="smartphone", cadence_days=7, target_cadence_days=56
    )
    assert ok.eligible and ok.to_cadence_days == 56
    assert any("every 8 week(s) is less often than now (every 1 week(s))" in r for r in ok.reasons)
    same = rules.evaluate(
        "lower_cadence", _record(), technology="smartphone", cadence_days=28, target_cadence_days=28
    )
    assert _failing(same) == {"cadence_is_lower"}


def test_ending_monitoring_needs_the_longer_period_and_no_open_critical_alert() -> None:
    policy = rules.Policy(compliant_days=90, end_monitoring_days=180)
    short = rules.evaluate("end_monitoring", _record(), technology="gps_ankle", policy=policy)
    assert _failing(short) == {"supervised_long_enough"}
    assert "supervised 120 of the 180 days required" in short.reasons
    critical = rules.evaluate(
        "end_monitoring",
        _record(days_supervised=200, alerts_critical_open=1, alerts_unresolved=1),
        technology="wrist",
        policy=policy,
    )
    assert _failing(critical) == {"no_open_critical_alert", "no_unresolved_alert"}
    assert critical.suggested_reason == "critical_alert"
    ok = rules.evaluate(
        "end_monitoring", _record(days_supervised=200), technology="wrist", policy=policy
    )
    assert ok.eligible and ok.to_technology == "telephone"


def test_ending_monitoring_is_not_applicable_to_someone_already_only_reporting() -> None:
    advice = rules.evaluate("end_monitoring", _record(days_supervised=400), technology="telephone")
    assert _failing(advice) == {"on_electronic_monitoring"}


def test_a_missed_hearing_blocks_every_lightening_request_and_says_so() -> None:
    for kind in ("step_down", "lower_cadence", "end_monitoring"):
        advice = rules.evaluate(
            kind,
            _record(days_supervised=400, hearings_missed=1),
            technology="wrist",
            cadence_days=7,
            target_cadence_days=28,
        )
        assert "hearings_attended" in _failing(advice), kind
        assert "1 missed hearing(s)" in advice.reasons


def test_leaving_the_program_only_needs_the_court_obligations_acknowledged() -> None:
    bad_record = _record(days_supervised=1, checkins_missed=4, hearings_missed=1)
    refused = rules.evaluate("leave_program", bad_record, technology="gps_ankle")
    assert _failing(refused) == {"court_obligations_acknowledged"}
    assert refused.suggested_reason == "not_acknowledged"
    ok = rules.evaluate("leave_program", bad_record, technology="gps_ankle", acknowledged=True)
    assert ok.eligible and ok.suggested_reason == "participant_choice"


def test_the_summary_never_contradicts_the_rules_listed() -> None:
    advice = rules.evaluate("step_down", _record(checkins_missed=2), technology="gps_ankle")
    data = advice.as_dict()
    assert data["summary"] == "Not eligible yet: 1 of 6 rules do not hold."
    assert [c.holds for c in advice.checks].count(False) == 1
    assert len(data["checks"]) == len(advice.checks)  # type: ignore[arg-type]


def test_an_unknown_kind_is_never_eligible() -> None:
    assert not rules.evaluate("free_pass", _record(), technology="wrist").eligible


def test_every_decision_needs_reasons_in_words() -> None:
    assert rules.decision_problem(
        approve=False, reason="short_record", text="  ", to_technology="", current="wrist"
    )
    assert (
        rules.decision_problem(
            approve=False,
            reason="short_record",
            text="Ask again in May.",
            to_technology="",
            current="wrist",
        )
        is None
    )


def test_approved_outcomes_must_match_their_kind() -> None:
    from functools import partial

    problem = partial(rules.decision_problem, approve=True, reason="x", text="ok")
    assert problem(kind="end_monitoring", current="wrist", to_technology="telephone") is None
    assert problem(kind="end_monitoring", current="telephone", to_technology="in_person")
    assert problem(
        kind="lower_cadence",
        current="wrist",
        to_technology="",
        current_cadence_days=28,
        to_cadence_days=14,
    )
    assert problem(kind="leave_program", current="wrist", to_technology="") is None


def test_the_appeal_form_is_offered_only_while_the_service_would_accept_it() -> None:
    until = NOW + timedelta(days=30)
    assert rules.appeal_can_file(status="denied", appeal_until=until, has_appeal=False, now=NOW)
    assert not rules.appeal_can_file(status="denied", appeal_until=until, has_appeal=True, now=NOW)
    assert not rules.appeal_can_file(
        status="denied", appeal_until=until, has_appeal=False, now=until + timedelta(seconds=1)
    )
    assert not rules.appeal_can_file(
        status="approved", appeal_until=None, has_appeal=False, now=NOW
    )


def test_the_one_who_decided_never_decides_the_appeal() -> None:
    assert rules.appeal_decider_problem(role="supervisor", viewer_id=5, decided_by_id=5)
    assert rules.appeal_decider_problem(role="case_officer", viewer_id=6, decided_by_id=5)
    assert rules.appeal_decider_problem(role="supervisor", viewer_id=6, decided_by_id=5) is None
