"""Seeds the demo: 5 offices, 20 officers, one user per other role, 2,000 participants through
the real intake path, then every app's registered demo step. Synthetic data only."""

from __future__ import annotations

import random
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.db import transaction

from atd.core.actors import Actor
from atd.core.apikeys import api_key_issue
from atd.core.extensions import demo_steps, ordered
from atd.core.roles import Role
from atd.people.intake.service import intake_import
from atd.people.models import IntakeBatch, KnownAddress, Office, Organisation
from atd.people.rules import AddressInput, address_key
from atd.simulate.people import release_records
from atd.testing.world import totp_secret

DEMO_PASSWORD = "atd-demo-password"
OFFICES = [
    (
        "HOU",
        "Houston Field Office",
        "America/Chicago",
        "126 Northpoint Dr",
        "Houston",
        "77060",
        29.94,
        -95.41,
    ),
    (
        "SNA",
        "Santa Ana Field Office",
        "America/Los_Angeles",
        "34 Civic Center Plz",
        "Santa Ana",
        "92701",
        33.75,
        -117.87,
    ),
    (
        "MIA",
        "Miami Field Office",
        "America/New_York",
        "865 SW 78th Ave",
        "Miami",
        "33144",
        25.76,
        -80.32,
    ),
    (
        "NYC",
        "New York Field Office",
        "America/New_York",
        "26 Federal Plz",
        "New York",
        "10278",
        40.71,
        -74.0,
    ),
    (
        "CHI",
        "Chicago Field Office",
        "America/Chicago",
        "101 W Congress Pkwy",
        "Chicago",
        "60605",
        41.88,
        -87.63,
    ),
]
SHELTERS = [("100 Hope Way", "Houston", "77002"), ("55 Welcome Center Rd", "Miami", "33130")]


def _user(
    username: str, role: str, office: Office | None, org: Organisation, first: str, last: str
) -> Any:
    user = get_user_model().objects.create_user(
        username=username,
        password=DEMO_PASSWORD,
        role=role,
        office=office,
        organisation=org,
        first_name=first,
        last_name=last,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, totp_secret())
    return user


@transaction.atomic
def demo_seed_foundation(*, participants: int = 2000, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    agency = Organisation.objects.create(name="Supervision Agency (synthetic)", kind="agency")
    contractor = Organisation.objects.create(
        name="Case Services Contractor (synthetic)", kind="contractor"
    )
    offices = []
    for code, name, tz, street, city, zip_code, lat, lon in OFFICES:
        office = Office.objects.create(
            code=code,
            name=name,
            timezone=tz,
            street=street,
            city=city,
            state="",
            postal_code=zip_code,
            latitude=lat,
            longitude=lon,
            organisation=agency,
        )
        offices.append(office)
        KnownAddress.objects.get_or_create(
            normalized_key=address_key(AddressInput(street, "", city, "", zip_code)),
            defaults={"kind": "office", "label": name},
        )
    for street, city, zip_code in SHELTERS:
        KnownAddress.objects.get_or_create(
            normalized_key=address_key(AddressInput(street, "", city, "", zip_code)),
            defaults={"kind": "shelter", "label": f"Shelter, {city} (synthetic)"},
        )
    first_names = [
        "Alex",
        "Sam",
        "Jordan",
        "Taylor",
        "Morgan",
        "Casey",
        "Riley",
        "Avery",
        "Quinn",
        "Jamie",
        "Drew",
        "Reese",
        "Parker",
        "Rowan",
        "Emerson",
        "Hayden",
        "Skyler",
        "Dakota",
        "Kendall",
        "Logan",
    ]
    users: dict[str, Any] = {}
    office_specs = []
    n = 0
    for office in offices:
        tag = office.code.lower()
        officer_names = []
        for i in range(1, 4):
            username = f"officer_{tag}_{i}"
            users[username] = _user(
                username,
                Role.CASE_OFFICER,
                office,
                agency,
                first_names[n % 20],
                f"Officer{office.code}",
            )
            officer_names.append(username)
            n += 1
        username = f"specialist_{tag}"
        users[username] = _user(
            username,
            Role.CONTRACTOR_SPECIALIST,
            office,
            contractor,
            first_names[n % 20],
            "Specialist",
        )
        officer_names.append(username)
        n += 1
        users[f"supervisor_{tag}"] = _user(
            f"supervisor_{tag}", Role.SUPERVISOR, office, agency, "Pat", f"Supervisor{office.code}"
        )
        office_specs.append(
            {
                "code": office.code,
                "city": office.city,
                "zip": office.postal_code,
                "officers": officer_names,
            }
        )
    users["analyst"] = _user("analyst", Role.RECORDS_ANALYST, None, agency, "Robin", "Analyst")
    users["auditor"] = _user("auditor", Role.AUDITOR, None, agency, "Lee", "Auditor")
    users["admin"] = _user("admin", Role.ADMIN, None, agency, "Kim", "Admin")

    rows = release_records(
        participants, offices=office_specs, seed=seed, a_number_start=200_000_000
    )
    result = intake_import(
        actor=Actor(id=None, label="demo-seed", role="records_analyst"),
        rows=rows,
        source=IntakeBatch.Source.CLI,
        filename="demo-releases.csv",
    )
    _demo_case_histories(rng)
    _, api_key = api_key_issue(
        actor=Actor(id=None, label="demo-seed", role="admin"),
        name="demo intake feed",
        scopes=["intake"],
    )
    return {
        "users": users,
        "offices": offices,
        "batch": result.batch,
        "rng": rng,
        "api_key": api_key,
    }


CLOSURES = [
    ("removed", 30),
    ("voluntarily_departed", 25),
    ("relief_granted", 15),
    ("transferred", 10),
    ("taken_into_custody", 10),
    ("other", 8),
    ("deceased", 2),
]


def _demo_case_histories(rng: random.Random) -> None:
    """Most people released more than 45 days ago have reported (active); some cases closed.
    Written in bulk with their status history, as the seed of a demo, with one audit entry."""
    from datetime import UTC, datetime, time, timedelta

    from atd.core import clock
    from atd.core.audit import audit_record
    from atd.people.models import Case, CaseStatusChange

    today = clock.now().date()
    changes = []
    updated = []
    for case in Case.objects.filter(release_date__lt=today - timedelta(days=45)):
        if rng.random() > 0.88:
            continue
        reported = datetime.combine(
            case.release_date + timedelta(days=rng.randint(3, 55)), time(15), tzinfo=UTC
        )
        changes.append(
            CaseStatusChange(
                case=case,
                from_status=case.status,
                to_status="active",
                reason="first report made at the office",
                actor_label="demo-seed",
                at=reported,
            )
        )
        case.status = "active"
        if rng.random() < 0.12:
            reason = rng.choices([c for c, _ in CLOSURES], weights=[w for _, w in CLOSURES])[0]
            closed = reported + timedelta(days=rng.randint(30, 300))
            if closed.date() < today:
                changes.append(
                    CaseStatusChange(
                        case=case,
                        from_status="active",
                        to_status="closed",
                        closure_reason=reason,
                        reason="recorded from the court/agency record",
                        actor_label="demo-seed",
                        at=closed,
                    )
                )
                case.status, case.closure_reason, case.closed_at = "closed", reason, closed
        updated.append(case)
    Case.objects.bulk_update(updated, ["status", "closure_reason", "closed_at"], batch_size=500)
    CaseStatusChange.objects.bulk_create(changes, batch_size=1000)
    audit_record(
        actor=Actor(id=None, label="demo-seed", role="system"),
        action="case.status_change",
        object_type="case",
        reason=f"demo histories for {len(updated)} cases",
    )


def demo_participant_account(ctx: dict[str, Any]) -> tuple[str, str]:
    """Enrols the first demo participant in the portal with the demo password."""
    from atd.people.models import Participant

    participant = Participant.objects.order_by("pk").first()
    assert participant is not None
    user = get_user_model().objects.create_user(
        username=f"p{participant.a_number}",
        password=DEMO_PASSWORD,
        role=Role.PARTICIPANT,
        preferred_language=participant.preferred_language,
    )
    participant.user = user
    participant.save(update_fields=["user"])
    return user.username, participant.a_number


def demo_run_steps(ctx: dict[str, Any], log: Any) -> None:
    from atd.people.models import Participant

    ctx["participants"] = list(Participant.objects.order_by("pk").values_list("pk", flat=True))
    for step in ordered(demo_steps):
        log(f"demo: seeding {step.name}")
        step.seed(ctx)
