"""The graduated response on the database: missed windows climb the ladder, technical misses
do not, the officer's technical verdict, and silent phones through the no-signal scan."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from atd.alerts.models import Alert, Notification
from atd.checkins.ladder_models import LadderMiss, LadderPolicy, LadderTask
from atd.checkins.ladder_selectors import ladder_read
from atd.checkins.models import CheckinWindow
from atd.checkins.services import (
    CheckinInput,
    ladder_miss_mark_technical,
    ladder_policy_save,
    ladder_task_complete,
    windows_close_due,
)
from atd.checkins.services.ladder import ladder_policy_for_office
from atd.checkins.tests.support import T0, key, participant_scope, plan_for
from atd.core import clock
from atd.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.telemetry.services import no_signal_scan
from atd.telemetry.tests.conftest import HOME, Tracked, make_tracked
from atd.testing.world import World

pytestmark = pytest.mark.django_db


def close_windows(pid: int, n: int) -> list[CheckinWindow]:
    """Lets the participant's first `n` plan windows close without a check-in."""
    windows = list(CheckinWindow.objects.filter(participant_id=pid).order_by("due_date")[:n])
    for w in windows:
        with clock.frozen_at(w.closes_at + timedelta(minutes=1)):
            windows_close_due()
    return windows


def tasks(pid: int) -> list[str]:
    return sorted(LadderTask.objects.filter(participant_id=pid).values_list("kind", flat=True))


def reminders(pid: int) -> int:
    return Notification.objects.filter(participant_id=pid, kind="checkin_ladder_reminder").count()


def test_first_missed_window_sends_the_participant_a_reminder(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    close_windows(pid, 1)
    m = LadderMiss.objects.get(participant_id=pid)
    assert (m.status, m.rung, m.responses) == ("counted", 1, ["remind_participant"])
    assert reminders(pid) == 1 and tasks(pid) == []


def test_second_miss_tasks_the_officer_to_call_and_third_reviews_the_plan(world: World) -> None:
    pid = world.participants["officer_a"].pk
    officer = world.user("case_officer")
    supervisor = world.user("supervisor")
    plan_for(pid)
    close_windows(pid, 2)
    assert tasks(pid) == ["call"]
    call = LadderTask.objects.get(participant_id=pid)
    assert call.officer_id == officer.pk
    assert Notification.objects.filter(user_id=officer.pk, kind="checkin_ladder_task").exists()
    close_windows(pid, 3)
    assert tasks(pid) == ["call", "plan_review"]
    alert = Alert.objects.get(participant_id=pid, kind="other")
    assert alert.severity == "high" and "plan review" in alert.title
    assert Notification.objects.filter(
        user_id=supervisor.pk, kind="checkin_ladder_supervisor"
    ).exists()
    assert AuditEntry.objects.filter(action="checkin_ladder.miss").count() == 3


def test_closing_again_records_nothing_twice(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    [w] = close_windows(pid, 1)
    with clock.frozen_at(w.closes_at + timedelta(hours=1)):
        windows_close_due()
    assert LadderMiss.objects.filter(participant_id=pid).count() == 1
    assert reminders(pid) == 1


def test_catch_up_climbs_one_rung_per_missed_window(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    with clock.frozen_at(T0 + timedelta(days=32)):
        windows_close_due()
    rungs = list(
        LadderMiss.objects.filter(participant_id=pid)
        .order_by("occurred_at")
        .values_list("rung", flat=True)
    )
    assert rungs == [1, 2, 3, 3]


def test_officer_marks_an_unverified_checkin_technical_and_it_stops_counting(
    world: World,
) -> None:
    from atd.checkins.services import checkin_remote_submit

    pid = world.participants["officer_a"].pk
    plan_for(pid)
    at = T0 + timedelta(days=7)
    with clock.frozen_at(at):
        checkin_remote_submit(
            actor=None,
            scope=participant_scope(pid),
            data=CheckinInput(
                idempotency_key=key(), captured_at=at, fix=None, location_error="unavailable"
            ),
        )
    m = LadderMiss.objects.get(participant_id=pid)
    assert (m.source, m.status, m.rung) == ("unverified_checkin", "counted", 1)
    officer = world.user("case_officer")
    scope = Scope.for_user(officer)
    with pytest.raises(ValidationFailed):
        ladder_miss_mark_technical(
            actor=officer, scope=scope, participant_id=pid, miss_id=m.pk, note=" \x00 "
        )
    with clock.frozen_at(at + timedelta(hours=1)):
        ladder_miss_mark_technical(
            actor=officer,
            scope=scope,
            participant_id=pid,
            miss_id=m.pk,
            note="phone's location service broken; participant called",
        )
        view = ladder_read(scope=scope, actor=officer, participant_id=pid, now=clock.now())
    m.refresh_from_db()
    assert (m.status, m.reason, m.marked_by_label) == ("technical", "officer_marked", "officer_a")
    assert view.standing.counted == 0 and view.not_counted[0].why.startswith("Technical")
    assert AuditEntry.objects.filter(action="checkin_ladder.mark_technical").count() == 1
    with pytest.raises(Conflict):
        ladder_miss_mark_technical(
            actor=officer, scope=scope, participant_id=pid, miss_id=m.pk, note="again"
        )


def test_marking_technical_cancels_the_tasks_the_miss_opened(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    close_windows(pid, 2)
    second = LadderMiss.objects.filter(participant_id=pid).order_by("-occurred_at").first()
    assert second is not None
    officer = world.user("case_officer")
    ladder_miss_mark_technical(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        miss_id=second.pk,
        note="office closed by snow",
    )
    assert list(LadderTask.objects.values_list("status", flat=True)) == ["cancelled"]


def test_officer_actions_are_scoped_and_refused_to_other_roles(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    close_windows(pid, 2)
    m = LadderMiss.objects.filter(participant_id=pid).first()
    task = LadderTask.objects.get(participant_id=pid)
    assert m is not None
    other = world.user("officer_b")
    with pytest.raises(NotFound):
        ladder_miss_mark_technical(
            actor=other, scope=Scope.for_user(other), participant_id=pid, miss_id=m.pk, note="x"
        )
    with pytest.raises(NotFound):
        ladder_task_complete(
            actor=other, scope=Scope.for_user(other), participant_id=pid, task_id=task.pk
        )
    auditor = world.user("auditor")
    with pytest.raises(Forbidden):
        ladder_task_complete(
            actor=auditor, scope=Scope.for_user(auditor), participant_id=pid, task_id=task.pk
        )
    officer = world.user("case_officer")
    # A miss id under another participant's path is not found either.
    with pytest.raises(NotFound):
        ladder_miss_mark_technical(
            actor=officer,
            scope=Scope.for_user(officer),
            participant_id=world.participants["specialist_a"].pk,
            miss_id=m.pk,
            note="x",
        )
    done = ladder_task_complete(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        task_id=task.pk,
        note="called; will check in tomorrow",
    )
    assert done.status == "done"
    assert AuditEntry.objects.filter(action="checkin_ladder.task_done").count() == 1


def test_an_office_ladder_overrides_the_default_and_bad_ladders_are_refused(
    world: World,
) -> None:
    admin = world.user("admin")
    with pytest.raises(ValidationFailed):
        ladder_policy_save(
            actor=admin,
            policy=LadderPolicy(office=world.office_a, reminder_at=2, call_at=2, review_at=3),
        )
    ladder_policy_save(
        actor=admin,
        policy=LadderPolicy(office=world.office_a, window_weeks=4, call_at=3, review_at=5),
    )
    assert ladder_policy_for_office(world.office_a.pk).call_at == 3
    assert ladder_policy_for_office(world.office_b.pk).call_at == 2  # the code's default
    assert AuditEntry.objects.filter(action="checkin_ladder.policy_create").count() == 1
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    close_windows(pid, 2)
    assert tasks(pid) == []  # office A calls at the third miss


# --- silent phones -------------------------------------------------------------

# Office A is in Chicago: 15:00 UTC is 09:00 there (CST), inside the default 07:00-22:00.
DAY = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def phone(world: World, **kw: Any) -> Tracked:
    t = make_tracked(world, kind="smartphone")
    plan_for(t.participant_id, technology="smartphone", at=DAY - timedelta(days=1))
    return t


def report(t: Tracked, at: datetime, **extra: Any) -> None:
    record = {"time": at.isoformat(), "lat": HOME[0], "lon": HOME[1], "accuracy": 15, **extra}
    with clock.frozen_at(at):
        pipeline_run(submissions=[Submission([record], t.serial, t.secret)], via="http")


def scan(at: datetime) -> int:
    with clock.frozen_at(at):
        return no_signal_scan(now=at)


def test_silence_a_low_battery_then_silence_is_likely_technical_and_takes_no_step(
    world: World,
) -> None:
    t = phone(world)
    report(t, DAY, battery=9)
    scan(DAY + timedelta(hours=5))
    scan(DAY + timedelta(hours=9))
    m = LadderMiss.objects.get(participant_id=t.participant_id)
    assert (m.source, m.status, m.reason, m.rung) == (
        "device_silence",
        "technical",
        "low_battery",
        0,
    )
    assert reminders(t.participant_id) == 0 and tasks(t.participant_id) == []
    alert = Alert.objects.get(participant_id=t.participant_id, kind="no_signal")
    assert alert.severity == "low" and "likely technical" in alert.title


def test_silence_b_normal_battery_reminds_first_then_tasks_the_officer(world: World) -> None:
    t = phone(world)
    report(t, DAY, battery=80)
    scan(DAY + timedelta(hours=5))
    m = LadderMiss.objects.get(participant_id=t.participant_id)
    assert m.status == "pending" and reminders(t.participant_id) == 1
    assert tasks(t.participant_id) == []
    assert not Alert.objects.filter(participant_id=t.participant_id, kind="no_signal").exists()
    scan(DAY + timedelta(hours=6))  # an hour after the reminder: still waiting
    assert tasks(t.participant_id) == []
    scan(DAY + timedelta(hours=7, minutes=1))  # two hours after the reminder
    m.refresh_from_db()
    assert (m.status, m.rung) == ("counted", 1)
    assert m.responses == ["silence_task"]
    assert tasks(t.participant_id) == ["silence"] and reminders(t.participant_id) == 1
    scan(DAY + timedelta(hours=8))
    assert tasks(t.participant_id) == ["silence"]


def test_silence_b_reporting_again_after_the_reminder_does_not_count(world: World) -> None:
    t = phone(world)
    report(t, DAY, battery=80)
    scan(DAY + timedelta(hours=5))
    report(t, DAY + timedelta(hours=5, minutes=30), battery=78)
    scan(DAY + timedelta(hours=8))
    m = LadderMiss.objects.get(participant_id=t.participant_id)
    assert m.status == "resumed" and m.ended_at is not None
    assert tasks(t.participant_id) == []


def test_silence_b_outside_covered_hours_waits_for_them(world: World) -> None:
    t = phone(world)
    night = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # 22:00 in Chicago
    report(t, night, battery=80)
    scan(night + timedelta(hours=5))  # 03:00 in Chicago
    assert not LadderMiss.objects.filter(participant_id=t.participant_id).exists()
    scan(night + timedelta(hours=10))  # 08:00 in Chicago
    assert LadderMiss.objects.get(participant_id=t.participant_id).status == "pending"


def test_silence_c_repeated_silences_climb_with_missed_checkins(world: World) -> None:
    t = phone(world)
    pid = t.participant_id
    close_windows(pid, 1)  # a missed check-in: rung 1
    start = CheckinWindow.objects.filter(participant_id=pid).order_by("due_date")[0].closes_at
    day = start.replace(hour=15, minute=0) + timedelta(days=1)
    report(t, day, battery=80)
    scan(day + timedelta(hours=5))
    scan(day + timedelta(hours=8))
    later = day + timedelta(days=1)
    report(t, later, battery=80)
    scan(later + timedelta(hours=5))
    scan(later + timedelta(hours=8))
    rungs = list(
        LadderMiss.objects.filter(participant_id=pid, status="counted")
        .order_by("occurred_at")
        .values_list("source", "rung")
    )
    assert rungs == [("window", 1), ("device_silence", 2), ("device_silence", 3)]
    assert tasks(pid) == ["plan_review", "silence", "silence"]
    assert Alert.objects.filter(participant_id=pid, kind="other").exists()


def test_a_window_missed_during_a_technical_outage_does_not_count(world: World) -> None:
    t = phone(world)
    pid = t.participant_id
    w = CheckinWindow.objects.filter(participant_id=pid).order_by("due_date")[0]
    flat = w.opens_at + timedelta(hours=12)
    report(t, flat, battery=5)
    scan(flat + timedelta(hours=5))  # likely technical, still out when the window closes
    close_windows(pid, 1)
    m = LadderMiss.objects.get(participant_id=pid, source="window")
    assert (m.status, m.reason) == ("technical", "device_outage")
    assert reminders(pid) == 0


def test_ankle_monitors_keep_their_no_signal_alert(world: World) -> None:
    t = make_tracked(world, kind="gps_ankle")
    report(t, DAY, battery=80)
    assert scan(DAY + timedelta(hours=1)) == 1
    assert Alert.objects.filter(participant_id=t.participant_id, kind="no_signal").exists()
    assert not LadderMiss.objects.exists()


def test_silence_record_is_audited(world: World) -> None:
    t = phone(world)
    report(t, DAY, battery=80)
    scan(DAY + timedelta(hours=5))
    assert AuditEntry.objects.filter(action="checkin_ladder.silence").exists()


def test_coverage_hours_come_from_the_office_ladder(world: World) -> None:
    ladder_policy_save(
        actor=world.user("admin"),
        policy=LadderPolicy(
            office=world.office_a, coverage_start=time(10, 0), coverage_end=time(18, 0)
        ),
    )
    t = phone(world)
    report(t, DAY - timedelta(hours=5), battery=80)
    scan(DAY)  # 09:00 in Chicago: before this office's 10:00
    assert not LadderMiss.objects.filter(participant_id=t.participant_id).exists()


def test_hostile_notes_get_a_message_never_a_500(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    close_windows(pid, 2)
    m = LadderMiss.objects.filter(participant_id=pid).first()
    task = LadderTask.objects.get(participant_id=pid)
    assert m is not None
    client = client_for("case_officer")
    url = f"/checkins/participants/{pid}/ladder/misses/{m.pk}/technical/"
    for note in ("\x00\x00", "x" * 100_000, ""):
        response = client.post(url, {"note": note})
        assert response.status_code in (302, 400), note[:10]
    m.refresh_from_db()
    assert m.status == "counted"  # nothing hostile was accepted
    response = client.post(f"/checkins/participants/{pid}/ladder/tasks/abc/done/", {"note": "x"})
    assert response.status_code == 404
    response = client.post(
        f"/checkins/participants/{pid}/ladder/tasks/{task.pk}/done/", {"note": "n\x00" * 600}
    )
    assert response.status_code in (302, 400)
    assert client.get(url).status_code == 405


def test_admin_edits_an_office_ladder_through_the_audited_service(
    world: World, client_for: Any
) -> None:
    world.user("admin").is_superuser = True
    world.user("admin").save(update_fields=["is_superuser"])
    client = client_for("admin")
    form = {
        "office": world.office_a.pk,
        "window_weeks": 6,
        "reminder_at": 1,
        "call_at": 1,  # does not rise: refused
        "review_at": 4,
        "silence_task_after": "02:00:00",
        "coverage_start": "08:00",
        "coverage_end": "20:00",
    }
    response = client.post("/admin/checkins/ladderpolicy/add/", form)
    assert response.status_code == 200 and not LadderPolicy.objects.exists()
    response = client.post("/admin/checkins/ladderpolicy/add/", {**form, "call_at": 2})
    assert response.status_code == 302
    row = LadderPolicy.objects.get(office=world.office_a)
    assert (row.window_weeks, row.call_at, row.updated_by_label) == (6, 2, "admin_x")
    assert AuditEntry.objects.filter(action="checkin_ladder.policy_create").count() == 1
    response = client.post(f"/admin/checkins/ladderpolicy/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not LadderPolicy.objects.exists()
    assert AuditEntry.objects.filter(action="checkin_ladder.policy_delete").count() == 1
