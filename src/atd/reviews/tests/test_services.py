"""The review workflow: request, pre-filled record, decision, plan change, appeal, jobs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from atd.alerts.models import Alert, Notification
from atd.core import clock
from atd.core.errors import Conflict, Forbidden, NotFound
from atd.core.scope import Scope
from atd.reviews import services, tasks
from atd.supervision import selectors as supervision_selectors
from atd.supervision.services import plan_set
from atd.testing.world import World

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def _scope(world: World, key: str) -> Scope:
    return Scope.for_user(world.user(key))


@pytest.fixture
def on_ankle(world: World) -> World:
    """officer_a's participant: released 2026-01-05, on a GPS ankle monitor."""
    with clock.frozen_at(NOW - timedelta(days=140)):
        plan_set(
            actor=world.user("case_officer"),
            scope=_scope(world, "case_officer"),
            participant_id=world.participants["officer_a"].pk,
            technology="gps_ankle",
            cadence_days=28,
            checkin_mode="in_person",
            start_date=date(2026, 1, 5),
            reason="release conditions",
        )
    return world


def _portal_request(world: World):  # type: ignore[no-untyped-def]
    return services.review_request_submit(
        actor=world.user("participant"),
        scope=_scope(world, "participant"),
        participant_id=world.participants["officer_a"].pk,
        statement="I have complied for months.",
    )


def test_participant_request_is_prefilled_and_due_in_fourteen_days(on_ankle: World) -> None:
    with clock.frozen_at(NOW):
        review = _portal_request(on_ankle)
    assert review.source == "portal"
    assert review.due_at == NOW + timedelta(days=14)
    assert review.current_technology == "gps_ankle"
    assert review.compliance["days_supervised"] == (NOW.date() - date(2026, 1, 5)).days
    assert "eligible" in review.recommendation


def test_a_second_request_while_one_waits_is_refused(on_ankle: World) -> None:
    with clock.frozen_at(NOW):
        _portal_request(on_ankle)
        with pytest.raises(Conflict):
            _portal_request(on_ankle)


def test_participant_cannot_request_for_someone_else(on_ankle: World) -> None:
    with clock.frozen_at(NOW), pytest.raises(NotFound):
        services.review_request_submit(
            actor=on_ankle.user("participant"),
            scope=_scope(on_ankle, "participant"),
            participant_id=on_ankle.participants["office_b"].pk,
        )


def test_approved_step_down_changes_the_plan_and_opens_the_device_return(
    on_ankle: World,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    with clock.frozen_at(NOW):
        review = _portal_request(on_ankle)
        with django_capture_on_commit_callbacks(execute=True):
            decided = services.review_decide(
                actor=on_ankle.user("case_officer"),
                scope=_scope(on_ankle, "case_officer"),
                request_id=review.pk,
                approve=True,
                reason="sustained_compliance",
                text="Reasons given in words.",
            )
    plan = supervision_selectors.plan_current(on_ankle.participants["officer_a"].pk)
    assert plan is not None and plan.technology == "wrist"
    assert decided.status == "approved" and decided.device_return_required
    letter = Notification.objects.get(kind="review_decision")
    assert letter.language == "es" and "aprobada" in letter.body


def test_denial_can_be_appealed_and_a_supervisor_overturns_it(on_ankle: World) -> None:
    officer, supervisor = on_ankle.user("case_officer"), on_ankle.user("supervisor")
    with clock.frozen_at(NOW):
        review = _portal_request(on_ankle)
        services.review_decide(
            actor=officer,
            scope=_scope(on_ankle, "case_officer"),
            request_id=review.pk,
            approve=False,
            reason="short_record",
            text="Reasons given in words.",
        )
        appeal = services.review_appeal_file(
            actor=on_ankle.user("participant"),
            scope=_scope(on_ankle, "participant"),
            request_id=review.pk,
            statement="I need to work.",
        )
        with pytest.raises(Forbidden):
            services.appeal_decide(
                actor=officer,
                scope=_scope(on_ankle, "case_officer"),
                appeal_id=appeal.pk,
                overturn=True,
                reason="sustained_compliance",
                text="Reasons given in words.",
            )
        services.appeal_decide(
            actor=supervisor,
            scope=_scope(on_ankle, "supervisor"),
            appeal_id=appeal.pk,
            overturn=True,
            reason="sustained_compliance",
            text="Reasons given in words.",
        )
    review.refresh_from_db()
    assert review.status == "approved" and review.to_technology == "wrist"
    plan = supervision_selectors.plan_current(on_ankle.participants["officer_a"].pk)
    assert plan is not None and plan.technology == "wrist"


def test_appeal_after_the_window_is_refused(on_ankle: World) -> None:
    with clock.frozen_at(NOW):
        review = _portal_request(on_ankle)
        services.review_decide(
            actor=on_ankle.user("case_officer"),
            scope=_scope(on_ankle, "case_officer"),
            request_id=review.pk,
            approve=False,
            reason="short_record",
            text="Reasons given in words.",
        )
    with clock.frozen_at(NOW + timedelta(days=31)), pytest.raises(Conflict):
        services.review_appeal_file(
            actor=on_ankle.user("participant"),
            scope=_scope(on_ankle, "participant"),
            request_id=review.pk,
        )


def test_undecided_request_past_its_deadline_escalates_once(on_ankle: World) -> None:
    with clock.frozen_at(NOW):
        _portal_request(on_ankle)
    with clock.frozen_at(NOW + timedelta(days=14, hours=1)):
        first = tasks.reviews_escalate_overdue()
        second = tasks.reviews_escalate_overdue()
    assert (first.escalated, second.escalated) == (1, 0)
    assert Alert.objects.filter(kind="review_overdue").count() == 1


def test_system_proposes_a_review_for_an_eligible_person_once(
    on_ankle: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atd.reviews.rules import ComplianceRecord

    def compliant(*, participant_id: int, now: datetime, window_days: int) -> ComplianceRecord:
        return ComplianceRecord(days_supervised=140, window_days=window_days, checkins_on_time=5)

    monkeypatch.setattr(services, "compliance_record_build", compliant)
    with clock.frozen_at(NOW):
        first = tasks.reviews_propose_eligible()
        second = tasks.reviews_propose_eligible()
    assert (first.proposed, second.proposed) == (1, 0)
    from atd.reviews.models import ReviewRequest

    proposed = ReviewRequest.objects.get()
    assert proposed.source == "system"
    assert proposed.participant_id == on_ankle.participants["officer_a"].pk


def test_system_does_not_propose_when_the_record_is_not_clean(
    on_ankle: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atd.reviews.rules import ComplianceRecord

    def missed(*, participant_id: int, now: datetime, window_days: int) -> ComplianceRecord:
        return ComplianceRecord(days_supervised=140, window_days=window_days, checkins_missed=1)

    monkeypatch.setattr(services, "compliance_record_build", missed)
    with clock.frozen_at(NOW):
        assert tasks.reviews_propose_eligible().proposed == 0


def test_the_candidates_are_read_in_finished_chunks_in_order(on_ankle: World) -> None:
    """The eligibility job writes between reads: each chunk of ids is read to the end first
    (a cursor left open across the writes made SQLite answer "database is locked")."""
    from atd.people.selectors import case_queryset_in_scope

    ids = case_queryset_in_scope(services.ADMIN).values_list("participant_id", flat=True)
    everyone = sorted(set(ids))
    assert len(everyone) >= 3
    chunks = services._in_chunks(ids.order_by("participant_id"), size=1)
    assert next(chunks) == everyone[0]
    # The read is over before the caller goes on: no cursor stays open meanwhile.
    assert list(chunks) == everyone[1:]
