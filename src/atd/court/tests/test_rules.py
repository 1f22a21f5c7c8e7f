"""Court rules, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from atd.court import rules
from atd.court.rules import StatusStep

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_report_by_defaults_to_days_after_release() -> None:
    assert rules.report_by_default(date(2026, 1, 1), 60) == date(2026, 3, 2)


def test_report_deadline_passes_only_after_the_whole_day() -> None:
    deadline = date(2026, 3, 2)
    assert not rules.report_deadline_passed(report_by=deadline, reported_on=None, today=deadline)
    assert rules.report_deadline_passed(
        report_by=deadline, reported_on=None, today=date(2026, 3, 3)
    )


def test_a_report_made_stops_the_deadline() -> None:
    assert not rules.report_deadline_passed(
        report_by=date(2026, 3, 2), reported_on=date(2026, 3, 1), today=date(2026, 4, 1)
    )


def test_notice_unserved_beyond_allowed_days_is_overdue() -> None:
    issued = date(2026, 1, 1)
    assert not rules.notice_service_overdue(
        issued_on=issued, served_on=None, today=date(2026, 1, 31), allowed_days=30
    )
    assert rules.notice_service_overdue(
        issued_on=issued, served_on=None, today=date(2026, 2, 1), allowed_days=30
    )
    assert not rules.notice_service_overdue(
        issued_on=issued, served_on=date(2026, 1, 2), today=date(2026, 9, 1), allowed_days=30
    )


def test_hearing_reminder_seven_days_then_one_day_before() -> None:
    hearing = NOW + timedelta(days=10)
    assert rules.hearing_reminders_due(scheduled_at=hearing, now=NOW) == []
    assert rules.hearing_reminders_due(scheduled_at=hearing, now=NOW + timedelta(days=3)) == ["7d"]
    assert rules.hearing_reminders_due(scheduled_at=hearing, now=NOW + timedelta(days=9)) == ["1d"]


def test_no_reminder_for_a_hearing_in_the_past() -> None:
    assert rules.hearing_reminders_due(scheduled_at=NOW - timedelta(hours=1), now=NOW) == []


def test_legal_status_at_a_date_uses_the_latest_step_in_effect() -> None:
    steps = [
        StatusStep("in_proceedings", date(2026, 1, 1), NOW - timedelta(days=100)),
        StatusStep("final_order_removal", date(2026, 4, 1), NOW - timedelta(days=50)),
        StatusStep("removed", date(2026, 5, 1), NOW - timedelta(days=20)),
    ]
    assert rules.legal_status_at(steps, date(2025, 12, 31), NOW) is None
    assert rules.legal_status_at(steps, date(2026, 3, 31), NOW) == "in_proceedings"
    assert rules.legal_status_at(steps, date(2026, 4, 15), NOW) == "final_order_removal"
    assert rules.legal_status_at(steps, date(2026, 5, 31), NOW) == "removed"


def test_legal_status_ignores_steps_recorded_after_the_knowledge_time() -> None:
    steps = [
        StatusStep("in_proceedings", date(2026, 1, 1), NOW - timedelta(days=100)),
        # Recorded late, effective back in April: a report made before it was known keeps its answer.
        StatusStep("removed", date(2026, 4, 1), NOW + timedelta(days=1)),
    ]
    assert rules.legal_status_at(steps, date(2026, 5, 1), NOW) == "in_proceedings"
    assert rules.legal_status_at(steps, date(2026, 5, 1), NOW + timedelta(days=2)) == "removed"


def test_statuses_that_end_supervision_map_to_case_closure_reasons() -> None:
    assert rules.closure_reason_for("removed") == "removed"
    assert rules.closure_reason_for("in_custody") == "taken_into_custody"
    assert rules.closure_reason_for("in_proceedings") is None


def test_hearing_time_is_local_with_its_zone_named() -> None:
    moment = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert rules.hearing_when_text(moment, "America/New_York") == "2026-12-03 10:00 EST"
    assert rules.hearing_when_text(moment, "America/Los_Angeles") == "2026-12-03 07:00 PST"
    assert rules.hearing_when_text(moment, "Not/AZone") == "2026-12-03 15:00 UTC"
    assert rules.hearing_when_text(moment, None) == "2026-12-03 15:00 UTC"


def test_the_participant_sees_the_departure_stage_in_plain_steps() -> None:
    from atd.court.rules import departure_stage

    assert (
        departure_stage(status="open", travel_document_status="not_requested", task_done=False)
        == "received"
    )
    assert (
        departure_stage(status="open", travel_document_status="not_requested", task_done=True)
        == "in_preparation"
    )
    assert (
        departure_stage(status="open", travel_document_status="issued", task_done=True)
        == "document_issued"
    )
    assert (
        departure_stage(status="confirmed", travel_document_status="issued", task_done=True)
        == "departed"
    )


def test_a_departure_counts_only_with_how_it_was_verified() -> None:
    from atd.court.rules import departure_verification_problem

    assert departure_verification_problem(method="", note="")
    assert departure_verification_problem(method="other", note=" ")
    assert departure_verification_problem(method="other", note="seen at the port") is None
    assert departure_verification_problem(method="exit_record", note="") is None
