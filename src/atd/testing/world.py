"""A small, fully synthetic world: two offices, one user per role, cases in and out of scope."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth import get_user_model

from atd.core import clock
from atd.core.roles import Role
from atd.people.models import Address, Case, CaseStatus, Office, Organisation, Participant
from atd.people.search_index import participant_search_tokens

PASSWORD = "correct-horse-battery-staple-42"


def totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def totp_code(secret: str, *, margin_s: float = 8.0) -> str:
    """The current TOTP code, taken at least `margin_s` before its 30-second step ends: the
    server accepts only the current step (allauth's MFA_TOTP_TOLERANCE is 0), so a code taken
    in a step's last second could expire before a loaded machine's browser submits it."""
    left = 30 - time.time() % 30
    if left < margin_s:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def mfa_enroll(user: Any, secret: str | None = None) -> str:
    secret = secret or totp_secret()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    return secret


def staff_user(username: str, role: str, office: Office | None, *, mfa: bool = True) -> Any:
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        office=office,
        first_name=username.split("_")[0].title(),
        last_name="Tester",
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if mfa:
        mfa_enroll(user)
    return user


_seq = {"n": 100000000}


def participant_with_case(
    office: Office,
    officer: Any | None,
    *,
    given: str = "Ana",
    surname: str = "Pérez",
    status: str = CaseStatus.ACTIVE,
) -> tuple[Participant, Case]:
    _seq["n"] += 1
    now = clock.now()
    p = Participant.objects.create(
        a_number=str(_seq["n"]),
        given_names=given,
        first_surname=surname,
        second_surname="García",
        date_of_birth=date(1990, 1, 2),
        sex="F",
        country_of_citizenship="HN",
        languages=["es"],
        preferred_language="es",
        phone="+1 312 555 0100",
        search_tokens=participant_search_tokens(given, surname, "García", a_number=str(_seq["n"])),
        created_at=now,
    )
    Address.objects.create(
        participant=p,
        line1="12 Main St",
        city="Springfield",
        state="IL",
        postal_code="62701",
        normalized_key=f"k{p.pk}",
        building_key=f"b{p.pk}",
        valid_from=now,
    )
    c = Case.objects.create(
        participant=p,
        release_type="parole",
        release_date=date(2026, 1, 5),
        office=office,
        officer=officer,
        status=status,
        opened_at=now,
    )
    return p, c


@dataclass
class World:
    office_a: Office
    office_b: Office
    users: dict[str, Any] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)

    def user(self, key: str) -> Any:
        return self.users[key]


def build_world() -> World:
    org = Organisation.objects.create(name="Agency (synthetic)", kind="agency")
    a = Office.objects.create(
        code="AAA",
        name="Office A",
        timezone="America/Chicago",
        organisation=org,
        latitude=41.88,
        longitude=-87.63,
    )
    b = Office.objects.create(
        code="BBB",
        name="Office B",
        timezone="America/New_York",
        organisation=org,
        latitude=40.71,
        longitude=-74.0,
    )
    w = World(office_a=a, office_b=b)
    w.users["case_officer"] = staff_user("officer_a", Role.CASE_OFFICER, a)
    w.users["contractor_specialist"] = staff_user("specialist_a", Role.CONTRACTOR_SPECIALIST, a)
    w.users["supervisor"] = staff_user("supervisor_a", Role.SUPERVISOR, a)
    w.users["records_analyst"] = staff_user("analyst_x", Role.RECORDS_ANALYST, None)
    w.users["auditor"] = staff_user("auditor_x", Role.AUDITOR, None)
    w.users["admin"] = staff_user("admin_x", Role.ADMIN, None)
    w.users["officer_b"] = staff_user("officer_b", Role.CASE_OFFICER, b)
    w.users["supervisor_b"] = staff_user("supervisor_b", Role.SUPERVISOR, b)
    p1, c1 = participant_with_case(a, w.users["case_officer"], given="Ana", surname="Pérez")
    p2, c2 = participant_with_case(
        a, w.users["contractor_specialist"], given="João", surname="Silva"
    )
    p3, c3 = participant_with_case(b, w.users["officer_b"], given="Luis", surname="Núñez")
    w.participants.update(officer_a=p1, specialist_a=p2, office_b=p3)
    w.cases.update(officer_a=c1, specialist_a=c2, office_b=c3)
    pu = get_user_model().objects.create_user(
        username=f"p{p1.a_number}", password=PASSWORD, role=Role.PARTICIPANT
    )
    p1.user = pu
    p1.save(update_fields=["user"])
    w.users["participant"] = pu
    # A second participant account, to prove participants only ever see themselves.
    pu3 = get_user_model().objects.create_user(
        username=f"p{p3.a_number}", password=PASSWORD, role=Role.PARTICIPANT
    )
    p3.user = pu3
    p3.save(update_fields=["user"])
    w.users["participant_b"] = pu3
    return w


ROLE_KEYS = [
    "case_officer",
    "contractor_specialist",
    "supervisor",
    "records_analyst",
    "auditor",
    "admin",
    "participant",
]
