"""Departure assistance: a confirmed departure closes the case with that reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from atd.core import clock
from atd.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.court import departure, selectors
from atd.devices import services as device_services
from atd.supervision import selectors as supervision_selectors
from atd.supervision.services import plan_set
from atd.testing.world import World

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def test_confirmed_departure_closes_the_case_and_asks_for_the_device(world: World) -> None:
    specialist = world.user("contractor_specialist")
    scope = Scope.for_user(specialist)
    pid = world.participants["specialist_a"].pk
    with clock.frozen_at(NOW):
        plan_set(
            actor=specialist,
            scope=scope,
            participant_id=pid,
            technology="gps_ankle",
            cadence_days=28,
            checkin_mode="in_person",
            start_date=date(2026, 1, 5),
            reason="release",
        )
        row = departure.departure_open(
            actor=specialist, scope=scope, case_id=world.cases["specialist_a"].pk
        )
        departure.departure_update(
            actor=specialist,
            scope=scope,
            departure_id=row.pk,
            travel_document_status="issued",
            requested_on=date(2026, 5, 1),
            issued_on=date(2026, 5, 20),
            planned_departure_on=date(2026, 5, 30),
        )
        done = departure.departure_confirm(
            actor=specialist,
            scope=scope,
            departure_id=row.pk,
            departed_on=date(2026, 5, 30),
            verification_method="exit_record",
        )
        record = selectors.court_record_read(scope=scope, actor=specialist, participant_id=pid)
    case = world.cases["specialist_a"]
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == ("closed", "voluntarily_departed")
    assert done.device_return_required
    assert record.current_status == "voluntarily_departed"


def test_only_one_open_departure_case_per_case(world: World) -> None:
    officer = world.user("case_officer")
    scope = Scope.for_user(officer)
    with clock.frozen_at(NOW):
        departure.departure_open(actor=officer, scope=scope, case_id=world.cases["officer_a"].pk)
        with pytest.raises(Conflict):
            departure.departure_open(
                actor=officer, scope=scope, case_id=world.cases["officer_a"].pk
            )


def test_departure_outside_the_caseload_is_not_found(world: World) -> None:
    with clock.frozen_at(NOW), pytest.raises(NotFound):
        departure.departure_open(
            actor=world.user("case_officer"),
            scope=Scope.for_user(world.user("case_officer")),
            case_id=world.cases["office_b"].pk,
        )


def _departed(world: World, key: str, *, devices: tuple[tuple[str, str], ...]) -> tuple:  # type: ignore[type-arg]
    """Registers and assigns `devices` (serial, kind) to `key`'s participant, then opens and
    confirms a departure. Returns (specialist, scope, participant id, device ids, departure)."""
    admin = world.user("admin")
    specialist = world.user("contractor_specialist")
    scope = Scope.for_user(specialist)
    pid = world.participants[key].pk
    ids = []
    with clock.frozen_at(NOW):
        for serial, kind in devices:
            device, _ = device_services.device_register(
                actor=admin, serial=serial, kind=kind, office_id=world.office_a.pk
            )
            device_services.device_assign(
                actor=admin, scope=Scope.for_user(admin), device_id=device.pk, participant_id=pid
            )
            ids.append(device.pk)
        row = departure.departure_open(actor=specialist, scope=scope, case_id=world.cases[key].pk)
        done = departure.departure_confirm(
            actor=specialist,
            scope=scope,
            departure_id=row.pk,
            departed_on=date(2026, 5, 30),
            verification_method="exit_record",
        )
    return specialist, scope, pid, ids, done


def test_confirmed_departure_opens_a_return_task_for_every_device_still_held(
    world: World,
) -> None:
    specialist, scope, pid, ids, done = _departed(
        world, "specialist_a", devices=(("D-ANKLE", "gps_ankle"), ("D-PHONE", "smartphone"))
    )
    tasks = supervision_selectors.device_tasks_open(scope=scope)
    returns = sorted(
        (t.device_id, t.device_serial, t.kind) for t in tasks if t.participant_id == pid
    )
    assert returns == [(ids[0], "D-ANKLE", "return"), (ids[1], "D-PHONE", "return")]
    assert done.device_return_required
    assert all(f"departure case {done.pk}" in t.reason for t in tasks)
    entry = AuditEntry.objects.get(action="device_task.open_returns")
    assert entry.object_type == "participant" and str(pid) in entry.object_ids


def test_confirmation_without_devices_or_worn_technology_opens_no_return(world: World) -> None:
    _, scope, pid, _, done = _departed(world, "specialist_a", devices=())
    assert not done.device_return_required
    assert [
        t for t in supervision_selectors.device_tasks_open(scope=scope) if t.participant_id == pid
    ] == []


def test_returning_the_device_completes_its_return_task_only(world: World) -> None:
    admin = world.user("admin")
    _, scope, pid, ids, _ = _departed(
        world, "specialist_a", devices=(("R-ANKLE", "gps_ankle"), ("R-PHONE", "smartphone"))
    )
    with clock.frozen_at(NOW):
        device_services.device_return(
            actor=admin, scope=Scope.for_user(admin), device_id=ids[0], condition="ok"
        )
    still_open = [t.device_id for t in supervision_selectors.device_tasks_open(scope=scope)]
    assert still_open == [ids[1]]
    assert AuditEntry.objects.filter(action="device_task.complete").count() == 1


def test_departure_through_the_api_shows_the_return_on_the_task_list_until_returned(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    admin = world.user("admin")
    pid = world.participants["specialist_a"].pk
    with clock.frozen_at(NOW):
        device, _ = device_services.device_register(
            actor=admin, serial="API-1", kind="wrist", office_id=world.office_a.pk
        )
        device_services.device_assign(
            actor=admin, scope=Scope.for_user(admin), device_id=device.pk, participant_id=pid
        )
        client = client_for("contractor_specialist")
        opened = client.post(
            f"/api/court/cases/{world.cases['specialist_a'].pk}/departure",
            {"note": ""},
            content_type="application/json",
        )
        assert opened.status_code == 201, opened.content
        confirmed = client.post(
            f"/api/court/departures/{opened.json()['id']}/confirm",
            {"departed_on": "2026-05-30", "verification_method": "exit_record"},
            content_type="application/json",
        )
        assert confirmed.status_code == 200, confirmed.content
        listed = client.get("/api/supervision/device-tasks").json()
        page = client.get(f"/participants/{pid}/")
        returned = client_for("admin").post(
            f"/api/devices/{device.pk}/return", {"condition": "ok"}, content_type="application/json"
        )
        assert returned.status_code == 200, returned.content
        after = client.get("/api/supervision/device-tasks").json()
    mine = [t for t in listed if t["participant_id"] == pid]
    assert [(t["kind"], t["device_serial"], t["status"]) for t in mine] == [
        ("return", "API-1", "open")
    ]
    assert page.status_code == 200 and "API-1" in page.content.decode()
    assert [t for t in after if t["participant_id"] == pid] == []


# --- departure requests from the portal (issue 19) ---------------------------------------------


def test_a_portal_request_opens_a_departure_case_with_a_task_for_the_officer(
    world: World,
) -> None:
    participant = world.user("participant")
    officer = world.user("case_officer")
    with clock.frozen_at(NOW):
        row = departure.departure_request_from_portal(
            actor=participant,
            scope=Scope.for_user(participant),
            statement="Quiero volver a mi país.\x00",
            needs_travel_document=True,
        )
        with pytest.raises(Conflict):
            departure.departure_request_from_portal(
                actor=participant, scope=Scope.for_user(participant)
            )
        views = selectors.departure_views_for_participant(
            scope=Scope.for_user(participant), actor=participant
        )
    assert row.requested_via == "portal" and row.needs_travel_document
    assert row.task_officer_id == officer.pk and row.task_due_at is not None
    assert "\x00" not in row.participant_statement
    assert [v.stage for v in views] == ["received"]
    tasks = selectors.departure_tasks_open(scope=Scope.for_user(officer))
    assert [t.pk for t in tasks] == [row.pk]
    assert not selectors.departure_tasks_open(scope=Scope.for_user(world.user("officer_b")))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"departure.request", "departure.read"} <= actions


def test_acting_on_the_request_closes_the_task_and_the_stage_follows(world: World) -> None:
    participant, officer = world.user("participant"), world.user("case_officer")
    scope = Scope.for_user(officer)
    with clock.frozen_at(NOW):
        row = departure.departure_request_from_portal(
            actor=participant, scope=Scope.for_user(participant)
        )
        departure.departure_update(
            actor=officer, scope=scope, departure_id=row.pk, travel_document_status="requested"
        )
    row.refresh_from_db()
    assert row.task_done_at is not None and row.task_done_by
    assert not selectors.departure_tasks_open(scope=scope)
    views = selectors.departure_views_for_participant(
        scope=Scope.for_user(participant), actor=participant
    )
    assert views[0].stage == "document_requested"


def test_a_confirmed_departure_records_its_verification_for_the_cohort_report(
    world: World,
) -> None:
    participant, officer = world.user("participant"), world.user("case_officer")
    scope = Scope.for_user(officer)
    with clock.frozen_at(NOW):
        row = departure.departure_request_from_portal(
            actor=participant, scope=Scope.for_user(participant)
        )
        with pytest.raises(ValidationFailed):
            departure.departure_confirm(
                actor=officer,
                scope=scope,
                departure_id=row.pk,
                departed_on=date(2026, 5, 30),
                verification_method="other",
            )
        departure.departure_confirm(
            actor=officer,
            scope=scope,
            departure_id=row.pk,
            departed_on=date(2026, 5, 30),
            verification_method="boarding",
            verification_note="carrier confirmation 7Q-118",
        )
    before = selectors.departures_verified(scope=scope, as_of=datetime(2026, 5, 1, tzinfo=UTC))
    after = selectors.departures_verified(scope=scope, as_of=NOW)
    assert before == []
    [verified] = after
    assert verified.method == "boarding" and verified.verified_by_id == officer.pk
    assert verified.verified_at == NOW and verified.departed_on == date(2026, 5, 30)
    assert (
        selectors.departures_verified(scope=Scope.for_user(world.user("officer_b")), as_of=NOW)
        == []
    )


def test_an_officer_cannot_file_a_portal_request(world: World) -> None:
    officer = world.user("case_officer")
    with pytest.raises(Forbidden):
        departure.departure_request_from_portal(actor=officer, scope=Scope.for_user(officer))
