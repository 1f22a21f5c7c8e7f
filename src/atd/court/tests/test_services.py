"""Court services and the periodic check: alerts, reminders, case closure, scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from atd.alerts.models import Alert, Notification
from atd.core import clock
from atd.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atd.core.scope import Scope
from atd.court import selectors, services, tasks
from atd.testing.world import World

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def _scope(world: World, key: str = "case_officer") -> Scope:
    return Scope.for_user(world.user(key))


@pytest.fixture
def at_now():  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW):
        yield


def test_notice_to_report_gets_the_default_deadline_from_release(
    world: World, at_now: None
) -> None:
    case = world.cases["officer_a"]
    notice = services.notice_issue(
        actor=world.user("case_officer"),
        scope=_scope(world),
        case_id=case.pk,
        kind="ntr",
        issued_on=case.release_date,
    )
    assert notice.report_by == case.release_date + timedelta(days=60)


def test_the_same_notice_twice_is_a_conflict(world: World, at_now: None) -> None:
    args = {
        "actor": world.user("case_officer"),
        "scope": _scope(world),
        "case_id": world.cases["officer_a"].pk,
        "kind": "nta",
        "issued_on": date(2026, 1, 5),
    }
    services.notice_issue(**args)
    with pytest.raises(Conflict):
        services.notice_issue(**args)


def test_notice_outside_the_caseload_is_not_found(world: World, at_now: None) -> None:
    with pytest.raises(NotFound):
        services.notice_issue(
            actor=world.user("case_officer"),
            scope=_scope(world),
            case_id=world.cases["office_b"].pk,
            kind="nta",
            issued_on=date(2026, 1, 5),
        )


def test_analyst_may_not_record_notices(world: World, at_now: None) -> None:
    with pytest.raises(Forbidden):
        services.notice_issue(
            actor=world.user("records_analyst"),
            scope=_scope(world, "records_analyst"),
            case_id=world.cases["officer_a"].pk,
            kind="nta",
            issued_on=date(2026, 1, 5),
        )


def test_service_before_issue_is_rejected(world: World, at_now: None) -> None:
    notice = services.notice_issue(
        actor=world.user("case_officer"),
        scope=_scope(world),
        case_id=world.cases["officer_a"].pk,
        kind="nta",
        issued_on=date(2026, 2, 1),
    )
    with pytest.raises(ValidationFailed):
        services.notice_serve(
            actor=world.user("case_officer"),
            scope=_scope(world),
            notice_id=notice.pk,
            served_on=date(2026, 1, 31),
            service_method="mail",
        )


def _pending_case_notice(world: World, report_by: date):  # type: ignore[no-untyped-def]
    case = world.cases["officer_a"]
    case.status = "pending_first_report"
    case.save(update_fields=["status"])
    return services.notice_issue(
        actor=world.user("case_officer"),
        scope=_scope(world),
        case_id=case.pk,
        kind="ntr",
        issued_on=case.release_date,
        report_by=report_by,
        served_on=case.release_date,
        service_method="personal",
    )


def test_report_deadline_passed_without_a_report_raises_one_alert(
    world: World, at_now: None
) -> None:
    _pending_case_notice(world, report_by=date(2026, 5, 1))
    first = tasks.court_checks_run()
    again = tasks.court_checks_run()
    alerts = Alert.objects.filter(kind="report_deadline")
    assert first.report_deadlines == 1
    assert alerts.count() == 1
    assert alerts.get().participant_id == world.participants["officer_a"].pk
    assert alerts.get().occurrence_count == 1, "a second run must not count the deadline again"
    assert again.report_deadlines == 0


def test_report_deadline_not_yet_passed_raises_nothing(world: World, at_now: None) -> None:
    _pending_case_notice(world, report_by=date(2026, 6, 1))
    tasks.court_checks_run()
    assert not Alert.objects.filter(kind="report_deadline").exists()


def test_recording_the_report_activates_the_case_and_stops_the_alert(
    world: World, at_now: None
) -> None:
    notice = _pending_case_notice(world, report_by=date(2026, 5, 1))
    services.notice_report_record(
        actor=world.user("case_officer"),
        scope=_scope(world),
        notice_id=notice.pk,
        reported_on=date(2026, 4, 20),
    )
    world.cases["officer_a"].refresh_from_db()
    assert world.cases["officer_a"].status == "active"
    tasks.court_checks_run()
    assert not Alert.objects.filter(kind="report_deadline").exists()


def test_unserved_notice_after_allowed_days_raises_alert(world: World, at_now: None) -> None:
    services.notice_issue(
        actor=world.user("case_officer"),
        scope=_scope(world),
        case_id=world.cases["officer_a"].pk,
        kind="nta",
        issued_on=date(2026, 4, 1),
    )
    services.notice_issue(
        actor=world.user("supervisor"),
        scope=_scope(world, "supervisor"),
        case_id=world.cases["specialist_a"].pk,
        kind="nta",
        issued_on=date(2026, 5, 20),
    )
    tasks.court_checks_run()
    alerts = Alert.objects.filter(kind="notice_not_served")
    assert [a.participant_id for a in alerts] == [world.participants["officer_a"].pk]


def _past_hearing(world: World, days_ago: int = 1):  # type: ignore[no-untyped-def]
    return services.hearing_schedule(
        actor=world.user("case_officer"),
        scope=_scope(world),
        case_id=world.cases["officer_a"].pk,
        scheduled_at=NOW - timedelta(days=days_ago),
        court_name="Immigration Court",
        hearing_type="master",
    )


def test_failure_to_appear_raises_hearing_missed_at_once(world: World, at_now: None) -> None:
    hearing = _past_hearing(world)
    services.hearing_outcome_record(
        actor=world.user("case_officer"),
        scope=_scope(world),
        hearing_id=hearing.pk,
        outcome="failed_to_appear",
    )
    assert Alert.objects.filter(kind="hearing_missed").count() == 1
    tasks.court_checks_run()
    assert Alert.objects.get(kind="hearing_missed").occurrence_count == 1


def test_outcome_cannot_be_recorded_before_the_hearing(world: World, at_now: None) -> None:
    hearing = services.hearing_schedule(
        actor=world.user("case_officer"),
        scope=_scope(world),
        case_id=world.cases["officer_a"].pk,
        scheduled_at=NOW + timedelta(days=3),
        court_name="Immigration Court",
        hearing_type="master",
    )
    with pytest.raises(ValidationFailed):
        services.hearing_outcome_record(
            actor=world.user("case_officer"),
            scope=_scope(world),
            hearing_id=hearing.pk,
            outcome="attended",
        )


def test_hearing_reminders_in_the_participants_language_once_each(
    world: World,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    with clock.frozen_at(NOW):
        with django_capture_on_commit_callbacks(execute=True):
            hearing = services.hearing_schedule(
                actor=world.user("case_officer"),
                scope=_scope(world),
                case_id=world.cases["officer_a"].pk,
                scheduled_at=NOW + timedelta(days=10),
                court_name="Corte de Inmigración",
                hearing_type="master",
            )
        tasks.court_checks_run()
    assert Notification.objects.filter(kind="hearing_reminder").count() == 0
    with clock.frozen_at(NOW + timedelta(days=4)):
        tasks.court_checks_run()
        tasks.court_checks_run()
    with clock.frozen_at(NOW + timedelta(days=9, hours=1)):
        tasks.court_checks_run()
    reminders = list(Notification.objects.filter(kind="hearing_reminder").order_by("pk"))
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in reminders] == ["7d", "1d"]
    assert all(n.language == "es" for n in reminders)
    assert reminders[0].subject == "Recordatorio de audiencia"
    assert Notification.objects.filter(kind="hearing_scheduled").count() == 1
    assert hearing.revision == 1


def test_rescheduled_hearing_is_seen_at_once_and_reminded_again(
    world: World,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    with clock.frozen_at(NOW):
        hearing = services.hearing_schedule(
            actor=world.user("case_officer"),
            scope=_scope(world),
            case_id=world.cases["officer_a"].pk,
            scheduled_at=NOW + timedelta(days=5),
            court_name="Court A",
            hearing_type="master",
        )
        tasks.court_checks_run()
        with django_capture_on_commit_callbacks(execute=True):
            services.hearing_reschedule(
                actor=world.user("case_officer"),
                scope=_scope(world),
                hearing_id=hearing.pk,
                scheduled_at=NOW + timedelta(days=6),
                court_name="Court B",
                reason="court calendar change",
            )
        tasks.court_checks_run()
        # The supervisor of the office sees the new date straight away.
        seen = selectors.hearing_get(scope=_scope(world, "supervisor"), hearing_id=hearing.pk)
    assert seen.court_name == "Court B"
    assert Notification.objects.filter(kind="hearing_reminder").count() == 2
    assert Notification.objects.filter(kind="hearing_scheduled").count() == 1


def test_removal_closes_the_case_with_that_reason(world: World, at_now: None) -> None:
    services.legal_status_record(
        actor=world.user("case_officer"),
        scope=_scope(world),
        participant_id=world.participants["officer_a"].pk,
        status="removed",
        effective_on=date(2026, 5, 30),
    )
    case = world.cases["officer_a"]
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == ("closed", "removed")


def test_final_order_from_a_hearing_joins_the_timeline(world: World, at_now: None) -> None:
    hearing = _past_hearing(world, days_ago=2)
    services.hearing_outcome_record(
        actor=world.user("case_officer"),
        scope=_scope(world),
        hearing_id=hearing.pk,
        outcome="attended",
        legal_status="final_order_removal",
    )
    record = selectors.court_record_read(
        scope=_scope(world),
        actor=world.user("case_officer"),
        participant_id=world.participants["officer_a"].pk,
    )
    assert record.current_status == "final_order_removal"
    world.cases["officer_a"].refresh_from_db()
    assert world.cases["officer_a"].status == "active", "a final order alone does not close"


def test_participant_reads_own_court_record_but_not_anothers(world: World, at_now: None) -> None:
    scope = _scope(world, "participant")
    mine = selectors.court_record_read(
        scope=scope,
        actor=world.user("participant"),
        participant_id=world.participants["officer_a"].pk,
    )
    assert mine.participant_id == world.participants["officer_a"].pk
    with pytest.raises(NotFound):
        selectors.court_record_read(
            scope=scope,
            actor=world.user("participant"),
            participant_id=world.participants["office_b"].pk,
        )


def test_overview_page_lists_the_caseloads_deadlines_only(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW):
        _pending_case_notice(world, report_by=date(2026, 5, 1))
        services.notice_issue(
            actor=world.user("admin"),
            scope=_scope(world, "admin"),
            case_id=world.cases["office_b"].pk,
            kind="nta",
            issued_on=date(2026, 5, 1),
        )
        overview = selectors.court_overview(scope=_scope(world), now=NOW)
    assert [n.participant_id for n in overview.reports_overdue] == [
        world.participants["officer_a"].pk
    ]
    assert overview.notices_unserved == []
    assert client_for("case_officer").get("/court/").status_code == 200
    assert client_for("records_analyst").get("/court/").status_code == 403


def test_hearing_notice_tells_the_office_local_time_and_skips_past_hearings(
    world: World,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    # Office A is in Chicago: 15:00 UTC on 2026-06-11 is 10:00 there (daylight time).
    with clock.frozen_at(NOW), django_capture_on_commit_callbacks(execute=True):
        services.hearing_schedule(
            actor=world.user("case_officer"),
            scope=_scope(world),
            case_id=world.cases["officer_a"].pk,
            scheduled_at=NOW + timedelta(days=10),
            court_name="Corte de Inmigración",
            hearing_type="master",
        )
        # Recorded after the fact (to enter its outcome): nothing to announce.
        services.hearing_schedule(
            actor=world.user("case_officer"),
            scope=_scope(world),
            case_id=world.cases["officer_a"].pk,
            scheduled_at=NOW - timedelta(days=20),
            court_name="Corte de Inmigración",
            hearing_type="master",
        )
    notices = list(Notification.objects.filter(kind="hearing_scheduled"))
    assert len(notices) == 1
    assert "2026-06-11 10:00 CDT" in notices[0].body
    with clock.frozen_at(NOW + timedelta(days=4)):
        tasks.court_checks_run()
    reminder = Notification.objects.get(kind="hearing_reminder")
    assert "2026-06-11 10:00 CDT" in reminder.body
