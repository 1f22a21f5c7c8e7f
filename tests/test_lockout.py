"""Fair lockout: failures lock an (account, address) pair, never a name for everyone nor an
office behind one NAT address; an attack on one name from many addresses raises an alert for
admins (issue 16, "Why" item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from atd.alerts.models import Alert
from atd.core.models import AuditEntry
from atd.testing.world import PASSWORD, World

WRONG = "wrong-password-123"


def _login(address: str, username: str, password: str) -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"login": username, "password": password}
    )


def _signed_in(response: Any) -> bool:
    # Staff go on to the second factor: the password was accepted.
    return response.status_code == 302 and "/accounts/2fa/authenticate" in response["Location"]


@pytest.mark.django_db
def test_failures_behind_one_nat_lock_only_that_account_from_that_address(world: World) -> None:
    nat = "198.51.100.10"
    for _ in range(5):
        _login(nat, "officer_a", WRONG)
    locked = _login(nat, "officer_a", PASSWORD)
    assert not _signed_in(locked)
    assert b"Too many failed" in locked.content
    # A colleague behind the same address signs in; so does the owner from elsewhere.
    assert _signed_in(_login(nat, "specialist_a", PASSWORD))
    assert _signed_in(_login("203.0.113.20", "officer_a", PASSWORD))


@pytest.mark.django_db
def test_an_office_of_failures_does_not_throttle_its_colleagues(world: World) -> None:
    # Eleven people mistype once each within a minute behind one NAT address: allauth's
    # default (10 failures a minute per address) would refuse the twelfth person.
    nat = "198.51.100.11"
    for i in range(11):
        _login(nat, f"someone_{i}", WRONG)
    assert _signed_in(_login(nat, "supervisor_a", PASSWORD))


@pytest.mark.django_db
def test_failures_for_one_name_from_many_addresses_alert_admins_and_do_not_lock(
    world: World, client_for: Any
) -> None:
    for i in range(12):
        response = _login(f"192.0.2.{i + 1}", "officer_a", WRONG)
        assert response.status_code != 500
    assert _signed_in(_login("203.0.113.30", "officer_a", PASSWORD))
    alerts = Alert.objects.filter(kind="login_attack")
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.participant_id is None and alert.office_id is None
    assert alert.evidence["username"] == "officer_a"
    assert len(alert.evidence["addresses"]) >= 3
    assert alert.severity == "high"
    # Raised once per cool-off period: later failures add nothing new.
    _login("192.0.2.200", "officer_a", WRONG)
    assert Alert.objects.filter(kind="login_attack").count() == 1
    # Admins see it; the account's own officer and supervisors do not.
    admin_ids = [a["id"] for a in client_for("admin").get("/api/alerts/").json()["items"]]
    assert alert.pk in admin_ids
    for role in ("case_officer", "supervisor"):
        ids = [a["id"] for a in client_for(role).get("/api/alerts/").json()["items"]]
        assert alert.pk not in ids
    assert AuditEntry.objects.filter(action="alert.raise", object_ids=str(alert.pk)).exists()


@pytest.mark.django_db
def test_failures_from_one_or_two_addresses_raise_no_alert(world: World) -> None:
    for i in range(12):
        _login(f"192.0.2.{1 + i % 2}", "specialist_a", WRONG)
    assert not Alert.objects.filter(kind="login_attack").exists()
