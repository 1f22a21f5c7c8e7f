"""The check-in API as the portal uses it: JSON in, a receipt out, problem+json on errors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from atd.checkins.models import Checkin
from atd.checkins.services import windows_close_due
from atd.checkins.tests.support import T0, key, plan_for
from atd.core import clock
from atd.testing.world import World

pytestmark = pytest.mark.django_db
AT = T0 + timedelta(days=7)


def _post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_participant_checks_in_and_a_retry_returns_the_same_receipt(
    world: World, client_for: Any
) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    client = client_for("participant")
    body = {
        "idempotency_key": key(),
        "captured_at": AT.isoformat(),
        "location": {"latitude": 41.88, "longitude": -87.63, "accuracy_m": 12},
    }
    with clock.frozen_at(AT):
        first = _post(client, "/api/checkins/remote", body)
        again = _post(client, "/api/checkins/remote", body)
    assert first.status_code == 201, first.content
    assert first.json()["location_status"] == "verified"
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["receipt_code"] == first.json()["receipt_code"]
    assert Checkin.objects.filter(participant_id=pid).count() == 1


def test_checkin_without_location_answers_unverified(world: World, client_for: Any) -> None:
    plan_for(world.participants["officer_a"].pk)
    with clock.frozen_at(AT):
        r = _post(
            client_for("participant"),
            "/api/checkins/remote",
            {"idempotency_key": key(), "captured_at": AT.isoformat(), "location_error": "denied"},
        )
    assert r.status_code == 201
    assert (r.json()["location_status"], r.json()["unverified_reason"]) == ("unverified", "denied")


def test_officer_cannot_use_the_participant_checkin_endpoint(world: World, client_for: Any) -> None:
    r = _post(
        client_for("case_officer"),
        "/api/checkins/remote",
        {"idempotency_key": key(), "captured_at": AT.isoformat()},
    )
    assert r.status_code == 403
    assert r["Content-Type"] == "application/problem+json"


def test_bad_idempotency_key_is_a_clear_validation_problem(world: World, client_for: Any) -> None:
    r = _post(
        client_for("participant"),
        "/api/checkins/remote",
        {"idempotency_key": "not a key!", "captured_at": AT.isoformat()},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "idempotency_key"


def test_attempt_endpoint_gives_a_receipt(world: World, client_for: Any) -> None:
    plan_for(world.participants["officer_a"].pk)
    with clock.frozen_at(AT):
        r = _post(
            client_for("participant"),
            "/api/checkins/attempts",
            {"idempotency_key": key(), "captured_at": AT.isoformat(), "reason": "network"},
        )
    assert r.status_code == 201
    assert r.json()["status"] == "attempted"
    assert r.json()["receipt_code"].startswith("CK-")


def test_officer_sees_the_checkins_on_the_participant_page(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    with clock.frozen_at(AT):
        _post(
            client_for("participant"),
            "/api/checkins/remote",
            {"idempotency_key": key(), "captured_at": AT.isoformat(), "location_error": "denied"},
        )
    page = client_for("case_officer").get(f"/participants/{pid}/")
    assert page.status_code == 200
    assert b"Unverified: denied" in page.content
    assert b"Plan history" in page.content


def test_officer_records_in_person_checkin_from_the_console(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    client = client_for("case_officer")
    form = client.get(f"/checkins/participants/{pid}/in-person/")
    assert form.status_code == 200
    r = client.post(
        f"/checkins/participants/{pid}/in-person/", {"idempotency_key": key(), "note": "ok"}
    )
    assert r.status_code == 302
    assert Checkin.objects.get(participant_id=pid).kind == "in_person"


def test_dashboard_card_counts_outcomes_of_the_caseload(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid, at=clock.now() - timedelta(days=20))
    windows_close_due()
    page = client_for("case_officer").get("/")
    assert page.status_code == 200
    assert b"Check-ins, last 30 days" in page.content
    assert b"2 missed" in page.content


def test_a_refused_new_phone_number_is_said_on_the_receipt_and_on_the_portal(
    world: World, client_for: Any
) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    client = client_for("participant")
    before = world.participants["officer_a"].phone
    with clock.frozen_at(AT):
        refused = _post(
            client,
            "/api/checkins/remote",
            {
                "idempotency_key": key(),
                "captured_at": AT.isoformat(),
                "location_error": "denied",
                "questionnaire": {"phone_new": "ask my sister"},
            },
        )
        accepted = _post(
            client,
            "/api/checkins/remote",
            {
                "idempotency_key": key(),
                "captured_at": AT.isoformat(),
                "location_error": "denied",
                "questionnaire": {"phone_new": "+1 312 555 0177"},
            },
        )
        page = client.get("/portal/")  # in the participant's language: Spanish
    assert refused.status_code == 201, refused.content  # the check-in itself is accepted
    assert refused.json()["phone_refused"] is True
    assert accepted.status_code == 201 and accepted.json()["phone_refused"] is False
    world.participants["officer_a"].refresh_from_db()
    assert world.participants["officer_a"].phone not in (before, "ask my sister")
    assert page.status_code == 200
    assert page.content.decode().count("nuevo número de teléfono no guardado") == 1
