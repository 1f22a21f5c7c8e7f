"""Access matrix entries for court (see atd.testing.access)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from atd.core import clock
from atd.court.models import DepartureCase, Hearing, Notice
from atd.testing.access import CASE_ROLES, Rule, case_ids, participant_ids
from atd.testing.world import World

_INSIDE_CASE = {
    "case_officer": "officer_a",
    "contractor_specialist": "specialist_a",
    "supervisor": "officer_a",
    "admin": "officer_a",
    "participant": "officer_a",
}


def _notice(world: World, key: str) -> int:
    case = world.cases[key]
    return Notice.objects.create(
        participant_id=case.participant_id,
        case=case,
        kind="ntr",
        issued_on=date(2026, 1, 5),
        report_by=date(2026, 3, 6),
        recorded_at=clock.now(),
        recorded_by="test",
    ).pk


def _hearing(world: World, key: str) -> int:
    case = world.cases[key]
    return Hearing.objects.create(
        participant_id=case.participant_id,
        case=case,
        scheduled_at=clock.now() - timedelta(days=1),
        court_name="Immigration Court",
        hearing_type="master",
        recorded_at=clock.now(),
        recorded_by="test",
    ).pk


def notice_ids(world: World, role: str) -> tuple[int | None, int]:
    key = _INSIDE_CASE.get(role)
    return (_notice(world, key) if key else None), _notice(world, "office_b")


def hearing_ids(world: World, role: str) -> tuple[int | None, int]:
    key = _INSIDE_CASE.get(role)
    return (_hearing(world, key) if key else None), _hearing(world, "office_b")


def _departure(world: World, key: str) -> int:
    case = world.cases[key]
    return DepartureCase.objects.create(
        participant_id=case.participant_id, case=case, opened_at=clock.now(), opened_by="test"
    ).pk


def departure_ids(world: World, role: str) -> tuple[int | None, int]:
    key = _INSIDE_CASE.get(role)
    return (_departure(world, key) if key else None), _departure(world, "office_b")


OBJECTS = {
    "departure_id": departure_ids,
    "participant_id": participant_ids,
    "case_id": case_ids,
    "notice_id": notice_ids,
    "hearing_id": hearing_ids,
}


def form_rule(body: dict[str, Any]) -> Rule:
    """A console form: it redirects back to the participant page."""
    return Rule(roles=CASE_ROLES, body=body, content_type="form", ok_statuses=frozenset({302}))


ENDPOINTS = {
    "GET /api/court/participants/{participant_id}/record": Rule(roles=CASE_ROLES | {"participant"}),
    "POST /api/court/cases/{case_id}/notices": Rule(
        roles=CASE_ROLES, body={"kind": "nta", "issued_on": "2026-01-05"}
    ),
    "POST /api/court/notices/{notice_id}/service": Rule(
        roles=CASE_ROLES, body={"served_on": "2026-01-06", "service_method": "personal"}
    ),
    "POST /api/court/notices/{notice_id}/report": Rule(
        roles=CASE_ROLES, body={"reported_on": "2026-01-07"}
    ),
    "POST /api/court/cases/{case_id}/hearings": Rule(
        roles=CASE_ROLES,
        body={
            "scheduled_at": "2030-03-01T09:00:00Z",
            "court_name": "Immigration Court",
            "hearing_type": "master",
        },
    ),
    "POST /api/court/hearings/{hearing_id}/reschedule": Rule(
        roles=CASE_ROLES, body={"scheduled_at": "2030-04-01T09:00:00Z", "reason": "court moved it"}
    ),
    "POST /api/court/hearings/{hearing_id}/outcome": Rule(
        roles=CASE_ROLES, body={"outcome": "attended"}
    ),
    "POST /api/court/participants/{participant_id}/legal-status": Rule(
        roles=CASE_ROLES, body={"status": "in_proceedings", "effective_on": "2026-01-05"}
    ),
    # Console forms: they redirect back to the participant page.
    "POST /court/cases/<case_id>/notices/": form_rule({"kind": "nta", "issued_on": "2026-01-05"}),
    "POST /court/notices/<notice_id>/service/": form_rule(
        {"served_on": "2026-01-06", "service_method": "mail"}
    ),
    "POST /court/notices/<notice_id>/report/": form_rule({"reported_on": "2026-01-07"}),
    "POST /court/cases/<case_id>/hearings/": form_rule(
        {
            "scheduled_at": "2030-03-01T09:00:00+00:00",
            "court_name": "Immigration Court",
            "hearing_type": "master",
        }
    ),
    "POST /court/hearings/<hearing_id>/reschedule/": form_rule(
        {"scheduled_at": "2030-04-01T09:00:00+00:00", "reason": "court moved it"}
    ),
    "POST /court/hearings/<hearing_id>/outcome/": form_rule({"outcome": "attended"}),
    "POST /court/participants/<participant_id>/legal-status/": form_rule(
        {"status": "in_proceedings", "effective_on": "2026-01-05"}
    ),
    "POST /api/court/cases/{case_id}/departure": Rule(roles=CASE_ROLES, body={}),
    "POST /api/court/departures/{departure_id}": Rule(
        roles=CASE_ROLES, body={"travel_document_status": "requested", "requested_on": "2026-02-01"}
    ),
    "POST /api/court/departures/{departure_id}/confirm": Rule(
        roles=CASE_ROLES, body={"departed_on": "2026-03-01", "verification_method": "exit_record"}
    ),
    "POST /court/cases/<case_id>/departure/": form_rule({"note": "wants to leave"}),
    "POST /court/departures/<departure_id>/": form_rule({"travel_document_status": "requested"}),
    "POST /court/departures/<departure_id>/confirm/": form_rule(
        {"departed_on": "2026-03-01", "verification_method": "exit_record"}
    ),
    "POST /court/departures/<departure_id>/task-done/": form_rule({}),
}
