"""Sign-in, second factor, lockout, sessions, participant self-service and audited reads."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client

from atd.core.models import AuditEntry
from atd.testing.world import PASSWORD, World, mfa_enroll, staff_user, totp_code


def _code(secret: str) -> str:
    return totp_code(secret)


@pytest.mark.django_db
def test_staff_login_needs_password_then_totp(world: World) -> None:
    user = staff_user("mfa_officer", "case_officer", world.office_a, mfa=False)
    secret = mfa_enroll(user)
    client = Client()
    response = client.post("/accounts/login/", {"login": "mfa_officer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate")
    # Not signed in yet: the console still sends us to the login page.
    assert client.get("/participants/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert client.get("/participants/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.login", actor_label="mfa_officer").exists()


@pytest.mark.django_db
def test_staff_without_a_second_factor_is_sent_to_enrol_and_the_api_refuses_them(
    world: World,
) -> None:
    user = staff_user("new_officer", "case_officer", world.office_a, mfa=False)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/participants/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate" in response["Location"]
    assert client.get("/api/people/participants").status_code == 401
    assert not Authenticator.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_admin_site_login_goes_through_the_mfa_login(world: World) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account(world: World) -> None:
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"login": "officer_a", "password": "wrong-password-123"})
    # Even the right password is refused during the cool-off (axes; allauth's own limit also).
    response = client.post("/accounts/login/", {"login": "officer_a", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert b"Too many failed" in response.content
    assert client.get("/participants/").status_code == 302
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username="officer_a").failures_since_start >= 5
    assert (
        AuditEntry.objects.filter(action="auth.login_failed", actor_label="officer_a").count() >= 5
    )


def test_session_expires_after_thirty_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher")  # test speed only


def test_production_hashing_is_argon2() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='atd.config.settings';"
            "django.setup();from django.conf import settings;print(settings.PASSWORD_HASHERS[0])",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin", "ATD_VAR_DIR": settings.VAR_DIR.as_posix()},
    )
    assert out.stdout.strip().endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_participant_only_ever_sees_themselves(world: World, client_for: Any) -> None:
    client = client_for("participant")
    own = world.participants["officer_a"].pk
    assert client.get(f"/api/people/participants/{own}").status_code == 200
    for other in ("specialist_a", "office_b"):
        response = client.get(f"/api/people/participants/{world.participants[other].pk}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert client.get("/api/people/participants").status_code == 403
    assert client.get("/participants/").status_code == 403
    me = client.get("/api/me").json()
    assert me == {
        "id": world.users["participant"].pk,
        "username": world.users["participant"].username,
        "role": "participant",
        "office_id": None,
        "participant_id": own,
    }
    assert client.get("/portal/").status_code == 200


@pytest.mark.django_db
def test_reassigning_a_case_changes_access_at_once(world: World, client_for: Any) -> None:
    officer = client_for("case_officer")
    specialist = client_for("contractor_specialist")
    pid = world.participants["officer_a"].pk
    assert officer.get(f"/api/people/participants/{pid}").status_code == 200
    assert specialist.get(f"/api/people/participants/{pid}").status_code == 404
    response = client_for("supervisor").post(
        f"/api/people/cases/{world.cases['officer_a'].pk}/assignment",
        {"officer_id": world.users["contractor_specialist"].pk, "reason": "leave cover"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert officer.get(f"/api/people/participants/{pid}").status_code == 404
    assert specialist.get(f"/api/people/participants/{pid}").status_code == 200


@pytest.mark.django_db
def test_supervisor_cannot_reassign_to_another_office(world: World, client_for: Any) -> None:
    response = client_for("supervisor").post(
        f"/api/people/cases/{world.cases['officer_a'].pk}/assignment",
        {"officer_id": world.users["officer_b"].pk, "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "officer_id"


@pytest.mark.django_db
def test_reads_of_personal_data_are_audited_without_personal_values(
    world: World, client_for: Any
) -> None:
    client = client_for("case_officer")
    pid = world.participants["officer_a"].pk
    client.get(f"/api/people/participants/{pid}")
    client.get("/api/people/participants?q=ana")
    client.get(f"/participants/{pid}/")
    reads = AuditEntry.objects.filter(actor_label="officer_a", action="participant.read")
    assert reads.count() == 2 and set(reads.values_list("object_ids", flat=True)) == {str(pid)}
    listed = AuditEntry.objects.get(actor_label="officer_a", action="participant.list")
    assert listed.object_ids == str(pid)
    assert listed.request_id and listed.source_ip == "127.0.0.1"
    values = " ".join(AuditEntry.objects.values_list("reason", flat=True))
    assert "Pérez" not in values and world.participants["officer_a"].a_number not in values


@pytest.mark.django_db
def test_out_of_scope_read_is_audited_as_not_found(world: World, client_for: Any) -> None:
    pid = world.participants["office_b"].pk
    client_for("case_officer").get(f"/api/people/participants/{pid}")
    assert AuditEntry.objects.filter(
        action="participant.read", object_ids=str(pid), outcome="not_found"
    ).exists()


@pytest.mark.django_db
def test_auditor_searches_the_log_and_the_search_is_audited(world: World, client_for: Any) -> None:
    client_for("case_officer").get(f"/api/people/participants/{world.participants['officer_a'].pk}")
    response = client_for("auditor").get("/api/audit/entries?action=participant.read")
    assert response.status_code == 200
    assert response.json()["count"] >= 1
    assert AuditEntry.objects.filter(action="audit.search", actor_label="auditor_x").exists()
    assert client_for("case_officer").get("/api/audit/entries").status_code == 403
    assert client_for("auditor").get("/audit/").status_code == 200


@pytest.mark.django_db
def test_participant_enrols_with_a_one_time_code(world: World, client_for: Any) -> None:
    p = world.participants["specialist_a"]
    response = client_for("contractor_specialist").post(
        f"/api/people/participants/{p.pk}/enrollment-code"
    )
    assert response.status_code == 201
    code = response.json()["code"]
    client = Client()
    bad = client.post(
        "/portal/enroll/",
        {"a_number": p.a_number, "code": "WRONGCODE1", "password": "a-long-new-password-9"},
    )
    assert bad.status_code == 400
    ok = client.post(
        "/portal/enroll/",
        {"a_number": p.a_number, "code": code, "password": "a-long-new-password-9"},
    )
    assert ok.status_code == 302
    assert client.get("/portal/").status_code == 200
    reuse = Client().post(
        "/portal/enroll/",
        {"a_number": p.a_number, "code": code, "password": "a-long-new-password-9"},
    )
    assert reuse.status_code == 400


@pytest.mark.django_db
def test_validation_errors_are_problem_json(world: World, client_for: Any) -> None:
    response = client_for("case_officer").post(
        f"/api/people/cases/{world.cases['officer_a'].pk}/status",
        {"to_status": "sideways"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["title"] == "Validation failed" and {e["field"] for e in body["errors"]} >= {
        "to_status",
        "reason",
    }


@pytest.mark.django_db
def test_page_size_is_capped(world: World, client_for: Any) -> None:
    response = client_for("supervisor").get(
        f"/api/people/participants?limit={settings.ATD_API_MAX_PAGE_SIZE + 1}"
    )
    assert response.status_code == 422
