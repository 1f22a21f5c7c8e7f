"""Linkage to participants and aliases, the review queue, and what a match may never do."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps

from atd.core import clock
from atd.core.errors import ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.matching import services
from atd.matching.choices import CandidateStatus
from atd.matching.models import LinkageModel, MatchCandidate
from atd.matching.tests.conftest import person
from atd.testing.world import World

DOB = date(1985, 4, 3)


def _booking(booking_id: str, **names: Any) -> dict[str, Any]:
    row = {
        "booking_id": booking_id,
        "booking_date": "2026-11-01",
        "agency": "County Jail",
        "date_of_birth": DOB.isoformat(),
        "sex": "M",
    }
    row.update(names)
    return row


def _import(rows: list[dict[str, Any]]) -> Any:
    return services.feed_import(actor=None, source="county", rows=rows, channel="json").batch


@pytest.fixture
def linked(world: World, active_model: Any) -> dict[str, Any]:
    target = person(
        world,
        given="José Luis",
        surname="Hernández",
        second="López",
        dob=DOB,
        aliases=(("Pepe", "Cárcamo", ""),),
    )
    other = person(world, given="María", surname="Ortiz", second="Funes", dob=date(1970, 6, 1))
    batch = _import(
        [
            # ASCII, one surname, first part of a compound given name.
            _booking("B1", given_names="JOSE", first_surname="HERNANDEZ"),
            # Surnames swapped, day and month swapped.
            _booking(
                "B2",
                given_names="José Luis",
                first_surname="López",
                second_surname="Hernández",
                date_of_birth="1985-03-04",
            ),
            # Recorded under the alias.
            _booking("B3", given_names="Pepe", first_surname="Carcamo"),
            # A near miss: same name, another date of birth.
            _booking(
                "B4",
                given_names="José Luis",
                first_surname="Hernández",
                second_surname="López",
                date_of_birth="1962-11-27",
            ),
        ]
    )
    result = services.feed_batch_link(actor=None, batch=batch)
    return {"target": target, "other": other, "batch": batch, "result": result}


def _candidate(booking_id: str) -> Any:
    return MatchCandidate.objects.filter(booking__booking_id=booking_id).first()


def test_name_variants_and_aliases_become_candidates_for_the_right_participant(
    linked: dict[str, Any],
) -> None:
    target = linked["target"]
    for booking_id in ("B1", "B2", "B3"):
        candidate = _candidate(booking_id)
        assert candidate is not None, booking_id
        assert candidate.participant_id == target.pk
        assert candidate.status == CandidateStatus.PENDING
    assert _candidate("B3").alias_id is not None


def test_a_same_name_with_another_date_of_birth_is_not_queued(linked: dict[str, Any]) -> None:
    assert _candidate("B4") is None


def test_each_candidate_carries_probability_and_a_waterfall_explanation(
    linked: dict[str, Any],
) -> None:
    candidate = _candidate("B2")
    assert 0.0 < candidate.probability <= 1.0
    levels = {s["comparison"]: s["level"] for s in candidate.explanation}
    assert levels["surnames"] == "surnames agree (in any order)"
    assert levels["date_of_birth"] == "day and month swapped"
    shown = {s["comparison"]: (s["left"], s["right"]) for s in candidate.explanation}
    assert shown["date_of_birth"] == ("1985-03-04", "1985-04-03")  # booking, participant
    assert shown["surnames"] == ("lopez hernandez", "hernandez lopez")
    assert all("match_weight" in s for s in candidate.explanation)


def test_the_model_is_stored_versioned_and_reloaded(linked: dict[str, Any]) -> None:
    model = LinkageModel.objects.get(is_active=True)
    assert _candidate("B1").model_id == model.pk
    again = services.linkage_model_save(
        actor=None, settings_json=model.settings_json, records=1, participants=1
    )
    assert again.version == model.version + 1
    assert LinkageModel.objects.filter(is_active=True).get().pk == again.pk
    rescored = services.link_bookings(
        actor=None,
        kind="full",
        bookings=[_candidate("B1").booking],
        people=__import__("atd.matching.selectors", fromlist=["x"]).participants_for_linkage(),
    )
    best = max(p.probability for p in rescored.pairs if p.booking_id == _candidate("B1").booking_id)
    assert best == pytest.approx(_candidate("B1").probability)


def test_linking_changes_nothing_outside_matching(world: World, active_model: Any) -> None:
    person(world, given="Rosa", surname="Zelaya", second="Ayala", dob=DOB, sex="F")
    counts_before = _counts_outside_matching()
    batch = _import([_booking("R1", given_names="Rosa", first_surname="Zelaya", sex="F")])
    services.feed_batch_link(actor=None, batch=batch)
    assert _candidate("R1") is not None
    assert _counts_outside_matching() == counts_before


def _counts_outside_matching() -> dict[str, int]:
    """Rows in every table of every app but matching and the audit log."""
    skip = {"matching", "core", "sessions", "admin", "contenttypes", "auth"}
    return {
        f"{m._meta.app_label}.{m.__name__}": m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label not in skip
    }


def _analyst(world: World) -> tuple[Any, Scope]:
    user = world.users["records_analyst"]
    return user, Scope.for_user(user)


def test_confirming_needs_a_fresh_authentication(linked: dict[str, Any], world: World) -> None:
    user, scope = _analyst(world)
    candidate = _candidate("B1")
    with pytest.raises(ValidationFailed, match="fresh authentication"):
        services.candidate_confirm(
            actor=user,
            scope=scope,
            candidate_id=candidate.pk,
            second_identifier="date_of_birth",
            reason="same person",
            authenticated_at=clock.now() - timedelta(hours=2),
        )


def test_confirming_needs_a_second_identifier_that_agrees(
    linked: dict[str, Any], world: World
) -> None:
    user, scope = _analyst(world)
    candidate = _candidate("B2")  # its date of birth has day and month swapped
    with pytest.raises(ValidationFailed, match="second identifier"):
        services.candidate_confirm(
            actor=user,
            scope=scope,
            candidate_id=candidate.pk,
            second_identifier="date_of_birth",
            reason="same person",
            authenticated_at=clock.now(),
        )
    assert _alerts().count() == 0


def _alerts() -> Any:
    return apps.get_model("alerts", "Alert").objects.filter(kind="arrest_match")


def test_only_a_confirmed_match_raises_an_alert_with_the_explanation(
    linked: dict[str, Any], world: World
) -> None:
    assert _alerts().count() == 0
    user, scope = _analyst(world)
    candidate = _candidate("B1")
    services.candidate_confirm(
        actor=user,
        scope=scope,
        candidate_id=candidate.pk,
        second_identifier="date_of_birth",
        reason="same person: name and date of birth",
        authenticated_at=clock.now(),
    )
    alert = _alerts().get()
    assert alert.participant_id == linked["target"].pk
    assert alert.evidence["explanation"] == candidate.explanation
    assert alert.evidence["booking"]["booking_id"] == "B1"
    candidate.refresh_from_db()
    assert (candidate.status, candidate.alert_id) == (CandidateStatus.CONFIRMED, alert.pk)
    assert AuditEntry.objects.filter(action="matching.candidate_confirm").count() == 1


def test_a_rejected_pair_never_comes_back_for_the_same_booking(
    linked: dict[str, Any], world: World
) -> None:
    user, scope = _analyst(world)
    candidate = _candidate("B3")
    services.candidate_reject(actor=user, scope=scope, candidate_id=candidate.pk, reason="no")
    rerun = services.feed_batch_link(actor=None, batch=linked["batch"])
    assert rerun.candidates_created == 0
    assert MatchCandidate.objects.get(pk=candidate.pk).status == CandidateStatus.REJECTED
    assert MatchCandidate.objects.filter(booking=candidate.booking).count() == 1


def test_a_case_officer_cannot_decide_a_match(linked: dict[str, Any], world: World) -> None:
    from atd.core.errors import Forbidden

    officer = world.users["case_officer"]
    with pytest.raises(Forbidden):
        services.candidate_reject(
            actor=officer,
            scope=Scope.for_user(officer),
            candidate_id=_candidate("B1").pk,
            reason="x",
        )


def test_a_new_enrollment_is_matched_against_recent_feeds(world: World, active_model: Any) -> None:
    _import([_booking("E1", given_names="Wilmer", first_surname="Bonilla", second_surname="Peña")])
    services.feed_batches_link_pending(actor=None)
    assert _candidate("E1") is None
    assert services.enrollments_link_pending(actor=None) is not None  # cursor catches up
    newcomer = person(world, given="Wilmer", surname="Bonilla", second="Peña", dob=DOB)
    result = services.enrollments_link_pending(actor=None)
    assert result is not None and result.candidates_created == 1
    assert _candidate("E1").participant_id == newcomer.pk
    assert services.enrollments_link_pending(actor=None) is None  # nothing new since


def test_the_console_confirm_uses_the_sessions_authentication_time(
    linked: dict[str, Any], world: World, client_for: Any
) -> None:
    client = client_for("records_analyst")
    candidate = _candidate("B1")
    page = client.get(f"/matching/candidates/{candidate.pk}/")
    assert page.status_code == 200
    assert b"Why the model scored this pair" in page.content
    assert b"password" in page.content  # force_login left no fresh authentication record
    form = {"second_identifier": "date_of_birth", "reason": "same person"}
    client.post(f"/matching/candidates/{candidate.pk}/confirm/", form)
    assert _alerts().count() == 0
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
    session["account_authentication_methods_user"] = str(world.users["records_analyst"].pk)
    session.save()
    response = client.post(f"/matching/candidates/{candidate.pk}/confirm/", form)
    assert response.status_code == 302
    assert _alerts().count() == 1


def test_records_analysts_see_the_queue_and_officers_do_not(
    linked: dict[str, Any], client_for: Any
) -> None:
    page = client_for("records_analyst").get("/matching/")
    assert page.status_code == 200
    assert b"County Jail" in page.content
    assert b"Springfield" not in page.content  # no address or other personal data in the queue
    assert client_for("case_officer").get("/matching/").status_code == 403


def test_without_enough_data_the_first_link_stores_a_bootstrap_model(world: World) -> None:
    person(world, given="Irma", surname="Funes", second="Ayala", dob=DOB, sex="F")
    batch = _import([_booking("F1", given_names="Irma", first_surname="Funes", sex="F")])
    services.feed_batch_link(actor=None, batch=batch)
    model = LinkageModel.objects.get(is_active=True)
    assert model.note.startswith("bootstrap")
    assert _candidate("F1") is not None
