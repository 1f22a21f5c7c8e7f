"""Every kind of request end to end through the services: the plan changes through
supervision's service with history, leaving the program closes the case (LEFT_PROGRAM) and
leaves the court record alone, overdue requests reach the dashboard, all audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from atd.core import clock
from atd.core.errors import ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.court.services import hearing_schedule
from atd.people.selectors import case_get_in_scope
from atd.reviews import services
from atd.supervision import selectors as supervision_selectors
from atd.supervision.models import DeviceTask, PlanChange
from atd.supervision.services import plan_set
from atd.testing.world import World

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def _scope(world: World, key: str) -> Scope:
    return Scope.for_user(world.user(key))


@pytest.fixture
def on_wrist(world: World) -> World:
    """officer_a's participant: released 2026-01-05, wrist device, weekly check-ins."""
    with clock.frozen_at(NOW - timedelta(days=140)):
        plan_set(
            actor=world.user("case_officer"),
            scope=_scope(world, "case_officer"),
            participant_id=world.participants["officer_a"].pk,
            technology="wrist",
            cadence_days=7,
            checkin_mode="remote",
            start_date=date(2026, 1, 5),
            reason="release conditions",
        )
    return world


def _ask(world: World, **kwargs: Any):  # type: ignore[no-untyped-def]
    return services.review_request_submit(
        actor=world.user("participant"),
        scope=_scope(world, "participant"),
        participant_id=world.participants["officer_a"].pk,
        **kwargs,
    )


def _approve(world: World, review_id: int, reason: str = "sustained_compliance", **kw: Any):  # type: ignore[no-untyped-def]
    return services.review_decide(
        actor=world.user("case_officer"),
        scope=_scope(world, "case_officer"),
        request_id=review_id,
        approve=True,
        reason=reason,
        text="Four months without a missed check-in.",
        **kw,
    )


def test_fewer_checkins_changes_the_cadence_through_the_plan_with_history(on_wrist: World) -> None:
    pid = on_wrist.participants["officer_a"].pk
    with clock.frozen_at(NOW):
        review = _ask(on_wrist, kind="lower_cadence", to_cadence_days=28)
        assert review.current_cadence_days == 7 and review.recommendation["kind"] == "lower_cadence"
        _approve(on_wrist, review.pk)
    plan = supervision_selectors.plan_current(pid)
    assert plan is not None and plan.technology == "wrist" and plan.cadence_days == 28
    # Plan-change reasons are encrypted at rest (ADR 0021): read through the model.
    reasons = PlanChange.objects.filter(participant_id=pid).values_list("reason", flat=True)
    assert any("lower_cadence" in r for r in reasons)


def test_ending_monitoring_moves_to_reporting_and_opens_the_device_return(on_wrist: World) -> None:
    pid = on_wrist.participants["officer_a"].pk
    with clock.frozen_at(NOW):
        review = _ask(on_wrist, kind="end_monitoring")
        assert review.to_technology == "telephone"
        decided = _approve(on_wrist, review.pk)
    plan = supervision_selectors.plan_current(pid)
    assert plan is not None and plan.technology == "telephone" and plan.cadence_days == 7
    assert decided.device_return_required
    assert DeviceTask.objects.filter(participant_id=pid, kind="return", status="open").exists()


def test_leaving_the_program_closes_the_case_and_keeps_the_court_record(on_wrist: World) -> None:
    pid = on_wrist.participants["officer_a"].pk
    case = on_wrist.cases["officer_a"]
    officer = on_wrist.user("case_officer")
    with clock.frozen_at(NOW):
        hearing = hearing_schedule(
            actor=officer,
            scope=_scope(on_wrist, "case_officer"),
            case_id=case.pk,
            scheduled_at=NOW + timedelta(days=30),
            court_name="Immigration Court",
            hearing_type="master",
        )
        review = _ask(on_wrist, kind="leave_program", acknowledged=True)
        assert review.recommendation["eligible"] is True
        decided = _approve(on_wrist, review.pk, reason="participant_choice")
    assert decided.supervision_ended_on == NOW.date() and decided.device_return_required
    closed = case_get_in_scope(scope=Scope.system(), case_id=case.pk)
    assert closed.status == "closed" and closed.closure_reason == "left_program"
    assert supervision_selectors.plan_current(pid) is None
    assert PlanChange.objects.filter(participant_id=pid, to_technology="").exists()
    assert DeviceTask.objects.filter(participant_id=pid, kind="return", status="open").exists()
    hearing.refresh_from_db()
    assert hearing.outcome in ("", None)  # untouched: the court obligation stays
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"review.request", "review.decide", "plan.end", "case.status_change"} <= actions


def test_leaving_without_the_acknowledgement_is_recommended_against(on_wrist: World) -> None:
    with clock.frozen_at(NOW):
        review = _ask(on_wrist, kind="leave_program")
    assert review.recommendation["eligible"] is False
    assert review.recommendation["suggested_reason"] == "not_acknowledged"


def test_a_decision_without_reasons_in_words_is_refused(on_wrist: World) -> None:
    with clock.frozen_at(NOW):
        review = _ask(on_wrist, kind="end_monitoring")
        with pytest.raises(ValidationFailed):
            services.review_decide(
                actor=on_wrist.user("case_officer"),
                scope=_scope(on_wrist, "case_officer"),
                request_id=review.pk,
                approve=False,
                reason="short_record",
                text="   ",
            )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "free_pass"},
        {"kind": "lower_cadence"},
        {"kind": "lower_cadence", "to_cadence_days": 10_000},
        {"kind": "step_down", "to_technology": "x\x00" * 40},
    ],
)
def test_hostile_requests_are_refused_cleanly(on_wrist: World, kwargs: dict[str, Any]) -> None:
    with clock.frozen_at(NOW), pytest.raises(ValidationFailed):
        _ask(on_wrist, **kwargs)


def test_overdue_requests_show_on_the_supervisors_dashboard(
    on_wrist: World, client_for: Any
) -> None:
    with clock.frozen_at(NOW - timedelta(days=20)):
        _ask(on_wrist, kind="lower_cadence", to_cadence_days=56)
    with clock.frozen_at(NOW):
        page = client_for("supervisor").get("/").content.decode()
    assert "Reviews overdue" in page and "Fewer check-ins" in page and "6 d" in page
    assert AuditEntry.objects.filter(action="review.list").exists()


def test_the_decider_is_not_offered_the_appeal_decision_form(
    on_wrist: World, client_for: Any
) -> None:
    supervisor = on_wrist.user("supervisor")
    with clock.frozen_at(NOW):
        review = _ask(on_wrist, kind="end_monitoring")
        services.review_decide(
            actor=supervisor,
            scope=_scope(on_wrist, "supervisor"),
            request_id=review.pk,
            approve=False,
            reason="short_record",
            text="Ask again after 180 days.",
        )
        services.review_appeal_file(
            actor=on_wrist.user("participant"),
            scope=_scope(on_wrist, "participant"),
            request_id=review.pk,
        )
        page = client_for("supervisor").get(f"/reviews/{review.pk}/").content.decode()
        officer_page = client_for("case_officer").get(f"/reviews/{review.pk}/").content.decode()
    assert 'id="appeal-decide-form"' not in page and "another supervisor decides" in page
    assert 'id="appeal-decide-form"' not in officer_page
    assert 'id="appeal-file-form"' not in page  # already appealed: no second form


def test_nul_bytes_in_free_text_are_dropped_not_stored(on_wrist: World) -> None:
    with clock.frozen_at(NOW):
        review = _ask(on_wrist, kind="end_monitoring", statement="please\x00 review")
    assert review.statement == "please review"
