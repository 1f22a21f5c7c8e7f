"""The at-large workflow end to end in the database: the job proposes, the officer confirms
or dismisses, referrals record attempts and outcomes that drive the case, a closed case
reopens, the locate package is scoped and audited (screen and PDF). Hostile input: no 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atd.alerts.models import Alert
from atd.console.at_large import at_large_confirm, at_large_dismiss, at_large_evaluate
from atd.console.locate import locate_package_read
from atd.console.locate_pdf import locate_package_pdf
from atd.core import clock
from atd.core.errors import Conflict, NotFound, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.court import services as court
from atd.people import services as people
from atd.people.models import Case, CaseStatusChange
from atd.testing.world import World

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _scope(world: World, key: str = "case_officer") -> Scope:
    return Scope.for_user(world.user(key))


def _missed_hearing(world: World, key: str = "officer_a") -> None:
    admin = world.user("admin")
    scope = _scope(world, "admin")
    case = world.cases[key]
    case.opened_at = T0 - timedelta(days=60)
    case.save(update_fields=["opened_at"])
    with clock.frozen_at(T0 - timedelta(days=30)):
        hearing = court.hearing_schedule(
            actor=admin,
            scope=scope,
            case_id=case.pk,
            scheduled_at=T0 - timedelta(days=5),
            court_name="Immigration Court (synthetic)",
            hearing_type="master",
        )
    with clock.frozen_at(T0 - timedelta(days=4)):
        court.hearing_outcome_record(
            actor=admin, scope=scope, hearing_id=hearing.pk, outcome="failed_to_appear"
        )


def _proposal(world: World, key: str = "officer_a") -> Alert:
    return Alert.objects.get(
        participant=world.participants[key], kind="at_large_proposed", status="open"
    )


@pytest.fixture
def proposed(world: World) -> World:
    for case in world.cases.values():
        case.opened_at = T0 - timedelta(days=60)
        case.save(update_fields=["opened_at"])
    _missed_hearing(world)
    with clock.frozen_at(T0):
        at_large_evaluate(now=T0)
    return world


def test_a_missed_hearing_without_contact_is_proposed_once(proposed: World) -> None:
    alert = _proposal(proposed)
    assert alert.case_id == proposed.cases["officer_a"].pk
    with clock.frozen_at(T0 + timedelta(hours=1)):
        at_large_evaluate(now=T0 + timedelta(hours=1))
    assert Alert.objects.filter(kind="at_large_proposed").count() == 1
    assert alert.events.count() == 1
    # Proposing changes no case: only an officer confirms.
    assert Case.objects.get(pk=alert.case_id).status == "active"


def test_confirming_puts_the_case_at_large_with_history_and_audit(proposed: World) -> None:
    alert = _proposal(proposed)
    officer = proposed.user("case_officer")
    case_id = at_large_confirm(
        actor=officer, scope=_scope(proposed), alert_id=alert.pk, reason="no answer at home"
    )
    assert Case.objects.get(pk=case_id).status == "at_large"
    change = CaseStatusChange.objects.filter(case_id=case_id).last()
    assert change is not None and change.to_status == "at_large"
    assert "no answer at home" in change.reason and change.actor_id == officer.pk
    alert.refresh_from_db()
    assert alert.status == "resolved"
    actions = set(AuditEntry.objects.filter(actor_id=officer.pk).values_list("action", flat=True))
    assert {"case.status_change", "alert.resolve"} <= actions


def test_confirming_needs_a_reason_and_the_callers_scope(proposed: World) -> None:
    alert = _proposal(proposed)
    with pytest.raises(ValidationFailed):
        at_large_confirm(
            actor=proposed.user("case_officer"),
            scope=_scope(proposed),
            alert_id=alert.pk,
            reason=" ",
        )
    with pytest.raises(NotFound):
        at_large_confirm(
            actor=proposed.user("officer_b"),
            scope=_scope(proposed, "officer_b"),
            alert_id=alert.pk,
            reason="x",
        )


def test_dismissing_leaves_the_case_as_it_was(proposed: World) -> None:
    alert = _proposal(proposed)
    at_large_dismiss(
        actor=proposed.user("case_officer"),
        scope=_scope(proposed),
        alert_id=alert.pk,
        reason="called",
    )
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.disposition == "contacted_compliant"
    assert Case.objects.get(pk=proposed.cases["officer_a"].pk).status == "active"


def test_a_check_in_after_the_hearing_means_no_proposal(world: World) -> None:
    from atd.checkins.models import Checkin

    _missed_hearing(world)
    Checkin.objects.create(
        participant=world.participants["officer_a"],
        kind="in_person",
        status="completed",
        idempotency_key="k-1",
        receipt_code="R-AT-1",
        captured_at=T0 - timedelta(days=1),
        received_at=T0 - timedelta(days=1),
        location_status="in_person",
    )
    at_large_evaluate(now=T0)
    assert not Alert.objects.filter(kind="at_large_proposed").exists()


def _at_large(world: World) -> int:
    case = world.cases["officer_a"]
    people.case_change_status(
        actor=world.user("case_officer"),
        scope=_scope(world),
        case_id=case.pk,
        to_status="at_large",
        reason="confirmed",
    )
    return case.pk


def test_not_found_needs_the_attempts_and_keeps_the_case_at_large(world: World) -> None:
    officer, scope = world.user("case_officer"), _scope(world)
    case_id = _at_large(world)
    referral = people.locate_referral_open(
        actor=officer, scope=scope, case_id=case_id, taken_by="Field team North"
    )
    assert referral.taken_by == "Field team North"
    with pytest.raises(Conflict):
        people.locate_referral_open(actor=officer, scope=scope, case_id=case_id, taken_by="again")
    with pytest.raises(ValidationFailed):
        people.locate_referral_outcome(
            actor=officer, scope=scope, referral_id=referral.pk, outcome="not_found", note="none"
        )
    for i in range(3):
        people.locate_attempt_record(
            actor=officer, scope=scope, referral_id=referral.pk, note=f"visit {i}", place="home"
        )
    people.locate_referral_outcome(
        actor=officer, scope=scope, referral_id=referral.pk, outcome="not_found", note="none"
    )
    assert Case.objects.get(pk=case_id).status == "at_large"
    with pytest.raises(Conflict):
        people.locate_attempt_record(actor=officer, scope=scope, referral_id=referral.pk, note="x")


@pytest.mark.parametrize(
    ("outcome", "status", "closure"),
    [
        ("located_resumed", "active", ""),
        ("in_custody", "closed", "taken_into_custody"),
        ("departed", "closed", "voluntarily_departed"),
        ("deceased", "closed", "deceased"),
    ],
)
def test_an_outcome_drives_the_case(world: World, outcome: str, status: str, closure: str) -> None:
    officer, scope = world.user("case_officer"), _scope(world)
    case_id = _at_large(world)
    referral = people.locate_referral_open(
        actor=officer, scope=scope, case_id=case_id, taken_by="T"
    )
    people.locate_referral_outcome(
        actor=officer, scope=scope, referral_id=referral.pk, outcome=outcome, note="found"
    )
    case = Case.objects.get(pk=case_id)
    assert (case.status, case.closure_reason) == (status, closure)
    assert AuditEntry.objects.filter(action="locate_referral.outcome").count() == 1


def test_referrals_are_out_of_reach_of_another_office(world: World) -> None:
    case_id = _at_large(world)
    referral = people.locate_referral_open(
        actor=world.user("case_officer"), scope=_scope(world), case_id=case_id, taken_by="T"
    )
    with pytest.raises(NotFound):
        people.locate_attempt_record(
            actor=world.user("officer_b"),
            scope=_scope(world, "officer_b"),
            referral_id=referral.pk,
            note="x",
        )


def test_a_closed_case_reopens_with_its_history_and_scope(world: World) -> None:
    officer, scope = world.user("case_officer"), _scope(world)
    case = world.cases["officer_a"]
    people.case_change_status(
        actor=officer,
        scope=scope,
        case_id=case.pk,
        to_status="closed",
        closure_reason="voluntarily_departed",
        reason="departed",
    )
    with pytest.raises(NotFound):
        people.case_reopen(
            actor=world.user("officer_b"),
            scope=_scope(world, "officer_b"),
            case_id=case.pk,
            reopen_reason="re_encounter",
        )
    people.case_reopen(
        actor=officer, scope=scope, case_id=case.pk, reopen_reason="departure_did_not_happen"
    )
    case.refresh_from_db()
    assert (case.status, case.closure_reason, case.closed_at) == ("active", "", None)
    steps = list(CaseStatusChange.objects.filter(case=case).values_list("to_status", flat=True))
    assert steps == ["closed", "active"]
    assert AuditEntry.objects.filter(action="case.reopen", actor_id=officer.pk).exists()
    with pytest.raises(Conflict):
        people.case_reopen(actor=officer, scope=scope, case_id=case.pk, reopen_reason="re_release")


def test_the_locate_package_needs_a_reason_and_is_audited(world: World) -> None:
    officer, scope = world.user("case_officer"), _scope(world)
    pid = world.participants["officer_a"].pk
    with pytest.raises(ValidationFailed):
        locate_package_read(scope=scope, actor=officer, participant_id=pid, reason="\x00 ", now=T0)
    pkg = locate_package_read(
        scope=scope, actor=officer, participant_id=pid, reason="field visit today", now=T0
    )
    assert pkg.addresses[0].text.startswith("12 Main St")
    assert pkg.phones[0].number == "+1 312 555 0100"
    assert pkg.places_since == T0 - timedelta(days=30)
    entry = AuditEntry.objects.filter(action="locate_package.read").get()
    assert entry.actor_id == officer.pk and "field visit today" in entry.reason
    pdf = locate_package_pdf(pkg)
    assert pdf.startswith(b"%PDF") and pdf == locate_package_pdf(pkg)
    with pytest.raises(NotFound):
        locate_package_read(
            scope=_scope(world, "officer_b"), actor=officer, participant_id=pid, reason="x", now=T0
        )


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "\x00"},
        {"reason": "x" * 100_000},
        {"taken_by": "\x00", "outcome": "NaN", "reopen_reason": ["a", "b"], "note": "é" * 5000},
        {},
    ],
)
def test_hostile_posts_never_cause_a_server_error(
    world: World, client_for: Any, data: dict[str, Any]
) -> None:
    client = client_for("case_officer")
    case_id = world.cases["officer_a"].pk
    pid = world.participants["officer_a"].pk
    for url in (
        "/at-large/999999/confirm/",
        "/at-large/999999/dismiss/",
        f"/cases/{case_id}/referral/",
        f"/cases/{case_id}/reopen/",
        "/referrals/999999/attempt/",
        "/referrals/999999/outcome/",
        f"/participants/{pid}/locate/",
    ):
        response = client.post(url, data)
        assert response.status_code < 500, (url, response.status_code)
    response = client_for("officer_b").post(f"/participants/{pid}/locate/", {"reason": "x"})
    assert response.status_code == 404


def test_a_hearing_attended_after_the_missed_one_means_no_proposal(world: World) -> None:
    _missed_hearing(world)
    admin, scope = world.user("admin"), _scope(world, "admin")
    with clock.frozen_at(T0 - timedelta(days=3)):
        later = court.hearing_schedule(
            actor=admin,
            scope=scope,
            case_id=world.cases["officer_a"].pk,
            scheduled_at=T0 - timedelta(days=2),
            court_name="Immigration Court (synthetic)",
            hearing_type="master",
        )
    with clock.frozen_at(T0 - timedelta(days=1)):
        court.hearing_outcome_record(
            actor=admin, scope=scope, hearing_id=later.pk, outcome="attended"
        )
    at_large_evaluate(now=T0)
    assert not Alert.objects.filter(kind="at_large_proposed").exists()
