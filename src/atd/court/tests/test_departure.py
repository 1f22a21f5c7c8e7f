"""Departure assistance: a confirmed departure closes the case with that reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from atd.core import clock
from atd.core.errors import Conflict, NotFound
from atd.core.scope import Scope
from atd.court import departure, selectors
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
            actor=specialist, scope=scope, departure_id=row.pk, departed_on=date(2026, 5, 30)
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
