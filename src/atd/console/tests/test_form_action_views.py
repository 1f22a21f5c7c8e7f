"""The console's form actions over HTTP, pinned: each answers with its own message and
redirect, a refusal says why and goes back, an id out of the caller's scope is a 404 with no
message (atd.core.form_actions serves them all)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.messages import get_messages

from atd.alerts.models import Alert
from atd.console.at_large import at_large_evaluate
from atd.console.tests.test_at_large import T0, _at_large, _missed_hearing, _scope
from atd.core import clock
from atd.core.models import AuditEntry
from atd.people.models import LocateReferral
from atd.testing.world import World


def _post(client: Any, url: str, data: dict[str, Any]) -> tuple[int, str, list[str]]:
    """POST as a fresh session (`client` is a role key's client maker): only this request's
    messages are read."""
    response = client().post(url, data)
    said = [f"{m.level_tag}: {m.message}" for m in get_messages(response.wsgi_request)]
    return response.status_code, response.get("Location", ""), said


def _detail(pid: int) -> str:
    return f"/participants/{pid}/"


def test_proposal_confirm_and_dismiss(world: World, client_for: Any) -> None:
    for case in world.cases.values():
        case.opened_at = T0 - timedelta(days=60)
        case.save(update_fields=["opened_at"])
    _missed_hearing(world)
    with clock.frozen_at(T0):
        at_large_evaluate(now=T0)
    alert = Alert.objects.get(kind="at_large_proposed", status="open")
    pid = world.participants["officer_a"].pk
    officer, other = (lambda: client_for("case_officer")), (lambda: client_for("officer_b"))
    url = f"/at-large/{alert.pk}/confirm/"
    assert _post(other, url, {"reason": "x"}) == (404, "", [])
    assert _post(officer, url, {"participant_id": pid}) == (
        302,
        _detail(pid) + "#at-large",
        ["error: Not confirmed: give the reason for confirming the case at large"],
    )
    assert _post(officer, url, {"reason": "no contact", "participant_id": pid}) == (
        302,
        _detail(pid) + "#at-large",
        ["success: The case is now at large."],
    )
    assert AuditEntry.objects.filter(action="case.status_change").exists()
    dismiss = f"/at-large/{alert.pk}/dismiss/"
    status, location, said = _post(officer, dismiss, {"reason": "x"})
    assert (status, location) == (302, "/participants/")
    assert said and said[0].startswith("error: Not dismissed: ")
    assert _post(other, dismiss, {"reason": "x"}) == (404, "", [])


def test_referral_attempt_outcome_and_reopen(world: World, client_for: Any) -> None:
    case_id = _at_large(world)
    pid = world.participants["officer_a"].pk
    back = _detail(pid) + "#at-large"
    officer, other = (lambda: client_for("case_officer")), (lambda: client_for("officer_b"))
    assert _post(other, f"/cases/{case_id}/referral/", {"taken_by": "T"}) == (404, "", [])
    assert _post(officer, f"/cases/{case_id}/referral/", {"taken_by": "Field team"}) == (
        302,
        back,
        ["success: Referred to the field team."],
    )
    status, location, said = _post(officer, f"/cases/{case_id}/referral/", {"taken_by": "T"})
    assert (status, location) == (302, back) and said[0].startswith("error: Not referred: ")
    rid = LocateReferral.objects.get(case_id=case_id).pk
    assert _post(other, f"/referrals/{rid}/attempt/", {"note": "x"}) == (404, "", [])
    assert _post(officer, f"/referrals/{rid}/attempt/", {"note": "visit", "place": "home"}) == (
        302,
        back,
        ["success: Attempt recorded."],
    )
    status, location, said = _post(officer, f"/referrals/{rid}/outcome/", {"outcome": "nope"})
    assert (status, location) == (302, back) and said[0].startswith("error: Not recorded: ")
    assert _post(other, f"/referrals/{rid}/outcome/", {"outcome": "x"}) == (404, "", [])
    assert _post(
        officer, f"/referrals/{rid}/outcome/", {"outcome": "in_custody", "note": "found"}
    ) == (302, back, ["success: Outcome recorded."])
    assert _post(other, f"/cases/{case_id}/reopen/", {"reopen_reason": "re_release"}) == (
        404,
        "",
        [],
    )
    assert _post(officer, f"/cases/{case_id}/reopen/", {"reopen_reason": "re_release"}) == (
        302,
        back,
        ["success: Case reopened."],
    )
    status, location, said = _post(officer, f"/cases/{case_id}/reopen/", {"reopen_reason": "x"})
    assert (status, location) == (302, back) and said[0].startswith("error: Not reopened: ")


def test_case_status_and_assignment(world: World, client_for: Any) -> None:
    case = world.cases["officer_a"]
    pid = world.participants["officer_a"].pk

    def officer() -> Any:
        return client_for("case_officer")

    url = f"/cases/{case.pk}/status/"
    assert _post(lambda: client_for("officer_b"), url, {"to_status": "at_large"})[0] == 404
    status, location, said = _post(officer, url, {"to_status": "nonsense", "reason": "x"})
    assert (status, location) == (302, _detail(pid)) and said[0].startswith("error: Not changed: ")
    assert _post(officer, url, {"to_status": "at_large", "reason": "gone"}) == (
        302,
        _detail(pid),
        ["success: Case status changed."],
    )

    def supervisor() -> Any:
        return client_for("supervisor")

    move = f"/cases/{case.pk}/assignment/"
    status, location, said = _post(supervisor, move, {"officer_id": "0", "reason": "x"})
    assert (status, location) == (302, _detail(pid))
    assert said[0].startswith("error: Not reassigned: ")
    assert (
        _post(lambda: client_for("supervisor_b"), move, {"officer_id": "0", "reason": "x"})[0]
        == 404
    )
    officer_id = world.user("case_officer").pk
    assert _post(supervisor, move, {"officer_id": officer_id, "reason": "balance"}) == (
        302,
        _detail(pid),
        ["success: Case reassigned."],
    )
    assert _scope(world).role == "case_officer"
