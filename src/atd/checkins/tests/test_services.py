"""Check-in services: windows, submissions, attempts, missed windows and their alerts."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from atd.alerts.models import Alert, AlertEvent
from atd.checkins.models import Checkin, CheckinPhoto, CheckinWindow
from atd.checkins.rules import Fix
from atd.checkins.selectors import checkin_photo_read
from atd.checkins.services import (
    CheckinInput,
    checkin_attempt_record,
    checkin_in_person_record,
    checkin_remote_submit,
    windows_close_due,
    windows_generate,
)
from atd.checkins.tests.identity_support import avatar
from atd.checkins.tests.support import T0, key, participant_scope, plan_for
from atd.core import clock
from atd.core.errors import Forbidden, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.testing.world import World

pytestmark = pytest.mark.django_db

# The first weekly window of a plan starting T0 (Mar 2) is due Mar 9, open Mar 7 - Mar 11 (local).
IN_WINDOW = T0 + timedelta(days=7)


def _submit(pid: int, *, at: Any = IN_WINDOW, fix: Fix | None = None, **kw: Any) -> Any:
    with clock.frozen_at(at):
        return checkin_remote_submit(
            actor=None,
            scope=participant_scope(pid),
            data=CheckinInput(
                idempotency_key=kw.pop("idempotency_key", key()),
                captured_at=kw.pop("captured_at", at),
                fix=fix,
                **kw,
            ),
        )


def _fix(at: Any = IN_WINDOW, lat: float = 41.88, lon: float = -87.63, acc: float = 20) -> Fix:
    return Fix(lat, lon, acc, at)


def test_plan_generates_windows_from_its_cadence(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    dues = list(
        CheckinWindow.objects.filter(participant_id=pid, source="plan").values_list(
            "due_date", flat=True
        )
    )
    assert dues[0] == (T0 + timedelta(days=7)).date()
    assert all((b - a).days == 7 for a, b in zip(dues, dues[1:], strict=False))


def test_generating_windows_twice_changes_nothing(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    before = CheckinWindow.objects.count()
    with clock.frozen_at(T0):
        windows_generate()
    assert CheckinWindow.objects.count() == before


def test_case_awaiting_first_report_gets_a_window_within_report_by_days(world: World) -> None:
    case = world.cases["officer_a"]
    case.status = "pending_first_report"
    case.save(update_fields=["status"])
    with clock.frozen_at(T0):
        windows_generate()
    w = CheckinWindow.objects.get(participant_id=case.participant_id, source="first_report")
    assert (w.due_date - case.release_date).days == 60
    assert w.mode == "in_person"


def test_plan_change_replaces_the_old_plans_future_windows(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid, cadence=7)
    new = plan_for(
        pid, at=T0 + timedelta(hours=1), technology="wrist", cadence=28, mode="in_person"
    )
    future = CheckinWindow.objects.filter(participant_id=pid, opens_at__gt=T0 + timedelta(hours=1))
    assert future.exists()
    assert set(future.values_list("plan_id", flat=True)) == {new.pk}


def test_checkin_with_a_good_fix_is_verified_and_completes_the_window(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    result = _submit(pid, fix=_fix())
    c = result.checkin
    assert result.created
    assert c.window is not None
    assert c.location_status == "verified"
    assert c.receipt_code.startswith("CK-")
    assert c.window is not None and c.window.due_date == IN_WINDOW.date()
    assert CheckinWindow.objects.get(pk=c.window.pk).status == "completed"
    assert not Alert.objects.filter(participant_id=pid).exists()


def test_retry_with_the_same_idempotency_key_returns_the_first_receipt(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    k = key()
    first = _submit(pid, fix=_fix(), idempotency_key=k)
    again = _submit(pid, at=IN_WINDOW + timedelta(minutes=5), fix=_fix(), idempotency_key=k)
    assert not again.created
    assert again.checkin.receipt_code == first.checkin.receipt_code
    assert Checkin.objects.filter(participant_id=pid).count() == 1


def test_location_denied_is_stored_unverified_and_opens_a_follow_up(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _submit(pid, location_error="denied").checkin
    assert c.location_status == "unverified"
    assert c.unverified_reason == "denied"
    alert = Alert.objects.get(participant_id=pid, kind="location_unverified")
    assert alert.officer_id == world.users["case_officer"].pk
    # Stored, not rejected: the window still counts as checked in.
    assert CheckinWindow.objects.get(pk=c.window_id).status == "completed"


def test_inaccurate_fix_is_unverified(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _submit(pid, fix=_fix(acc=5000)).checkin
    assert (c.location_status, c.unverified_reason) == ("unverified", "inaccurate")


def test_staff_cannot_submit_a_participants_remote_checkin(world: World) -> None:
    officer = Scope.for_user(world.users["case_officer"])
    with pytest.raises(Forbidden):
        checkin_remote_submit(
            actor=None,
            scope=officer,
            data=CheckinInput(idempotency_key=key(), captured_at=T0),
        )


def test_window_that_closes_without_a_checkin_is_missed_and_alerted_once(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    w = CheckinWindow.objects.filter(participant_id=pid).order_by("due_date").first()
    assert w is not None
    with clock.frozen_at(w.closes_at + timedelta(minutes=1)):
        first = windows_close_due()
        second = windows_close_due()
    assert first.missed == [w.pk]
    assert second.missed == []
    w.refresh_from_db()
    assert w.status == "missed"
    assert AlertEvent.objects.filter(source="checkins", source_ref=f"window:{w.pk}").count() == 1
    assert Alert.objects.get(participant_id=pid, kind="missed_checkin").occurrence_count == 1


def test_worker_downtime_catches_up_every_missed_window_exactly_once(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    # The worker was down for four weeks: nothing ran; one run catches up.
    later = T0 + timedelta(days=32)
    with clock.frozen_at(later):
        windows_generate()
        result = windows_close_due(batch=2)  # small batches: the loop must still finish
        windows_close_due()
    closed = CheckinWindow.objects.filter(participant_id=pid, closes_at__lte=later)
    assert closed.count() == 4
    assert set(closed.values_list("status", flat=True)) == {"missed"}
    assert sorted(result.missed) == sorted(closed.values_list("pk", flat=True))
    assert AlertEvent.objects.filter(kind="missed_checkin").count() == 4


def test_technical_attempt_is_never_counted_as_non_compliance(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    with clock.frozen_at(IN_WINDOW):
        result = checkin_attempt_record(
            actor=None,
            scope=participant_scope(pid),
            idempotency_key=key(),
            captured_at=IN_WINDOW,
            reason="server_error",
        )
    w = result.checkin.window
    assert w is not None
    assert result.checkin.receipt_code
    with clock.frozen_at(w.closes_at + timedelta(hours=1)):
        missed = windows_close_due()
    assert w.pk not in missed.missed
    assert CheckinWindow.objects.get(pk=w.pk).status == "attempted"
    assert not Alert.objects.filter(participant_id=pid, kind="missed_checkin").exists()


def test_attempt_then_success_completes_the_window(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    with clock.frozen_at(IN_WINDOW):
        checkin_attempt_record(
            actor=None,
            scope=participant_scope(pid),
            idempotency_key=key(),
            captured_at=IN_WINDOW,
            reason="network",
        )
    c = _submit(pid, at=IN_WINDOW + timedelta(hours=1), fix=_fix(IN_WINDOW + timedelta(hours=1)))
    assert CheckinWindow.objects.get(pk=c.checkin.window_id).status == "completed"


def test_offline_checkin_delivered_after_the_window_closed_is_an_attempt_not_a_miss(
    world: World,
) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    w = CheckinWindow.objects.filter(participant_id=pid).order_by("due_date").first()
    assert w is not None
    captured = w.closes_at - timedelta(hours=2)
    c = _submit(
        pid, at=w.closes_at + timedelta(hours=5), captured_at=captured, fix=_fix(captured)
    ).checkin
    assert c.window_id == w.pk
    assert {"kind": "delivered_late"} in c.flags
    w.refresh_from_db()
    assert w.status == "attempted"


def test_checkin_outside_any_window_is_still_recorded(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _submit(pid, at=T0 + timedelta(days=1), fix=_fix(T0 + timedelta(days=1))).checkin
    assert c.window_id is None
    assert Checkin.objects.filter(pk=c.pk).exists()


def test_remote_checkin_does_not_satisfy_an_in_person_window(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid, technology="wrist", cadence=7, mode="in_person")
    c = _submit(pid, fix=_fix()).checkin
    assert c.window_id is None


def test_officer_records_an_in_person_checkin(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid, technology="wrist", cadence=7, mode="in_person")
    officer = world.users["case_officer"]
    k = key()
    with clock.frozen_at(IN_WINDOW):
        r1 = checkin_in_person_record(
            actor=officer,
            scope=Scope.for_user(officer),
            participant_id=pid,
            idempotency_key=k,
            note="at the front desk",
        )
        r2 = checkin_in_person_record(
            actor=officer, scope=Scope.for_user(officer), participant_id=pid, idempotency_key=k
        )
    assert r1.created and not r2.created
    assert r1.checkin.location_status == "in_person"
    assert r1.checkin.recorded_by_label == officer.username
    assert r1.checkin.window is not None
    assert CheckinWindow.objects.get(pk=r1.checkin.window.pk).status == "completed"


def test_impossible_travel_since_the_last_checkin_is_flagged_for_review(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _submit(pid, fix=_fix(IN_WINDOW, 41.88, -87.63))
    later = IN_WINDOW + timedelta(minutes=20)
    c = _submit(pid, at=later, fix=_fix(later, 40.71, -74.0)).checkin
    assert [f["kind"] for f in c.flags] == ["impossible_speed"]
    alert = Alert.objects.get(participant_id=pid, kind="checkin_plausibility")
    assert alert.severity == "low"
    # Flags inform; the check-in still counts.
    assert c.status == "completed"


def test_repeated_identical_coordinates_are_flagged(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _submit(pid, fix=_fix(IN_WINDOW, 41.123456, -87.654321, 5))
    later = IN_WINDOW + timedelta(days=7)
    c = _submit(pid, at=later, fix=_fix(later, 41.123456, -87.654321, 5)).checkin
    assert "repeated_coordinates" in [f["kind"] for f in c.flags]


def test_address_change_in_the_questionnaire_runs_the_people_address_change(
    world: World,
) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _submit(
        pid,
        fix=_fix(),
        questionnaire={
            "address_new": {
                "line1": "40 Oak Ave",
                "unit": "2B",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62704",
            },
            "employment": "employed",
            "travel_planned": True,
        },
    )
    current = world.participants["officer_a"].addresses.get(is_current=True)
    assert current.line1 == "40 Oak Ave"
    c = Checkin.objects.get(participant_id=pid)
    assert c.questionnaire["employment"] == "employed"
    assert c.questionnaire["travel_planned"] is True


def test_phone_change_in_the_questionnaire_runs_the_people_phone_change(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _submit(pid, fix=_fix(), questionnaire={"phone_new": " +1 (312) 555-0199 "}).checkin
    participant = world.participants["officer_a"]
    participant.refresh_from_db()
    assert participant.phone == "+13125550199"  # stored in E.164
    change = participant.phone_changes.get()
    assert c.receipt_code in change.reason
    assert c.questionnaire["phone_new"] == "+13125550199"
    assert AuditEntry.objects.filter(action="participant.phone_change").count() == 1


def test_unusable_phone_in_the_questionnaire_keeps_the_checkin_and_the_old_number(
    world: World,
) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    participant = world.participants["officer_a"]
    before = participant.phone
    result = _submit(pid, fix=_fix(), questionnaire={"phone_new": "ask my sister"})
    assert result.created
    assert result.checkin.questionnaire["phone_new"] == "ask my sister"
    assert "only digits" in result.checkin.questionnaire["phone_new_problem"]
    participant.refresh_from_db()
    assert participant.phone == before
    assert not participant.phone_changes.exists()


# A real (synthetic) image: photos are decoded and re-encoded without metadata on arrival.
PNG = base64.b64encode(avatar(fmt="PNG", size=16)).decode()


def test_photo_is_stored_and_every_officer_view_is_audited(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _submit(pid, fix=_fix(), photo_data_url=f"data:image/png;base64,{PNG}").checkin
    assert CheckinPhoto.objects.filter(checkin=c).exists()
    officer = world.users["case_officer"]
    before = AuditEntry.objects.filter(action="checkin.photo_read").count()
    photo = checkin_photo_read(scope=Scope.for_user(officer), actor=officer, checkin_id=c.pk)
    assert bytes(photo.data)[:4] == b"\x89PNG"
    assert AuditEntry.objects.filter(action="checkin.photo_read").count() == before + 1


def test_a_photo_that_is_not_an_image_is_refused_before_anything_is_stored(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    with pytest.raises(ValidationFailed):
        _submit(pid, fix=_fix(), photo_data_url="data:text/html;base64,PGI+")
    assert not Checkin.objects.filter(participant_id=pid).exists()


def test_travel_from_the_last_device_position_is_compared_when_telemetry_offers_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from atd.checkins.services import checkin as checkin_module

    pid = world.participants["officer_a"].pk
    plan_for(pid)

    class Rows:
        def filter(self, **kw: Any) -> Rows:
            return self

        def first(self) -> Any:
            # The device reported from New York ten minutes before a Chicago check-in.
            return types.SimpleNamespace(
                lat=40.71, lon=-74.0, fix_time=IN_WINDOW - timedelta(minutes=10), accuracy_m=5
            )

    fake = types.SimpleNamespace(last_positions_in_scope=lambda scope: Rows())
    real = checkin_module.importlib.import_module
    monkeypatch.setattr(
        checkin_module.importlib,
        "import_module",
        lambda name: fake if name == "atd.telemetry.selectors" else real(name),
    )
    c = _submit(pid, fix=_fix()).checkin
    assert c.flags[0]["kind"] == "impossible_speed" and c.flags[0]["against"] == "device"


def _pending_first_report(world: World) -> Any:
    case = world.cases["officer_a"]
    case.status = "pending_first_report"
    case.save(update_fields=["status"])
    with clock.frozen_at(T0):
        windows_generate()
    return case


def test_first_report_in_person_activates_the_case(world: World) -> None:
    case = _pending_first_report(world)
    officer = world.users["case_officer"]
    with clock.frozen_at(T0):
        checkin_in_person_record(
            actor=officer,
            scope=Scope.for_user(officer),
            participant_id=case.participant_id,
            idempotency_key=key(),
        )
    case.refresh_from_db()
    assert case.status == "active"
    w = CheckinWindow.objects.get(participant_id=case.participant_id, source="first_report")
    assert w.status == "completed"


def test_first_report_deadline_passing_raises_one_report_deadline_alert(world: World) -> None:
    case = _pending_first_report(world)
    w = CheckinWindow.objects.get(participant_id=case.participant_id, source="first_report")
    with clock.frozen_at(w.closes_at + timedelta(minutes=5)):
        windows_close_due()
        windows_close_due()
    w.refresh_from_db()
    assert w.status == "missed"
    assert AlertEvent.objects.filter(kind="report_deadline").count() == 1


def test_first_report_window_of_a_case_activated_elsewhere_is_moot_not_missed(
    world: World,
) -> None:
    case = _pending_first_report(world)
    case.status = "active"
    case.save(update_fields=["status"])
    w = CheckinWindow.objects.get(participant_id=case.participant_id, source="first_report")
    with clock.frozen_at(w.closes_at + timedelta(minutes=5)):
        result = windows_close_due()
    w.refresh_from_db()
    assert w.status == "cancelled" and result.missed == []
    assert not AlertEvent.objects.filter(kind="report_deadline").exists()


def test_open_window_queues_one_reminder_in_the_participants_language(world: World) -> None:
    from atd.alerts.models import Notification
    from atd.checkins.services import window_reminders_enqueue

    pid = world.participants["officer_a"].pk  # prefers Spanish
    plan_for(pid)
    with clock.frozen_at(IN_WINDOW):
        assert window_reminders_enqueue() == 1
        assert window_reminders_enqueue() == 0
    note = Notification.objects.get(participant_id=pid)
    assert note.language == "es"
    assert note.subject == "Su periodo de registro está abierto"
