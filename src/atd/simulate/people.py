"""Synthetic participants as release records (the intake format), with realistic problems:
missing units in apartment buildings, shelters, addresses reused by many people, blanks."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from atd.simulate.names import COUNTRIES, alias_variants, person_name

STREETS = [
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Pine St",
    "Cedar Ln",
    "Elm St",
    "Washington Ave",
    "Lincoln Blvd",
    "Park Pl",
    "Lake Rd",
    "Hill St",
    "River Rd",
    "Sunset Blvd",
    "Mission St",
]
APARTMENT_BUILDINGS = ["Las Palmas Apartments", "Riverside Towers", "Garden Apartments"]
FACILITIES = [
    "Processing Center North (synthetic)",
    "Processing Center South (synthetic)",
    "Port of Entry West (synthetic)",
    "Staging Facility East (synthetic)",
]
RELEASE_TYPES = ["parole", "parole", "ntr", "nta", "nta", "recognizance", "other"]
# Shared dwellings, shelters and businesses used as addresses (problems found by the OIG).
SHELTER = ("100 Hope Way", "Springfield")


# US area codes of the demo offices' regions. Every number is in the 555-0100..0199 block that
# the North American Numbering Plan keeps for fiction: valid in form (so SMS code paths run on
# them), never anyone's phone.
AREA_CODES = ("713", "312", "305", "212", "210", "404", "602", "206", "415", "214")


def _phone(rng: random.Random) -> str:
    # Two draws, as before this used the fictional block, so a seed gives the same people.
    area, line = rng.randint(100, 999), rng.randint(1000, 9999)
    return f"+1 {AREA_CODES[area % len(AREA_CODES)]} 555 01{line % 100:02d}"


def _address(
    rng: random.Random, city: str, zip_code: str, shared_pool: list[dict[str, str]]
) -> dict[str, str]:
    roll = rng.random()
    if roll < 0.02:
        return {
            "address_line1": "",
            "address_unit": "",
            "address_city": "",
            "address_state": "",
            "address_postal_code": "",
        }
    if roll < 0.05 and shared_pool:
        return dict(rng.choice(shared_pool))
    if roll < 0.07:
        return {
            "address_line1": f"PO Box {rng.randint(100, 9999)}",
            "address_unit": "",
            "address_city": city,
            "address_state": "TX",
            "address_postal_code": zip_code,
        }
    if roll < 0.10:
        return {
            "address_line1": f"{rng.randint(10, 900)} {rng.choice(APARTMENT_BUILDINGS)}",
            "address_unit": "",
            "address_city": city,
            "address_state": "TX",
            "address_postal_code": zip_code,
        }
    unit = f"Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else ""
    return {
        "address_line1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        "address_unit": unit,
        "address_city": city,
        "address_state": "TX",
        "address_postal_code": zip_code,
    }


def release_records(
    count: int,
    *,
    offices: list[dict[str, Any]],
    seed: int = 7,
    today: date | None = None,
    a_number_start: int = 200_000_000,
) -> list[dict[str, Any]]:
    """`offices`: [{"code", "city", "zip", "officers": [usernames]}]. Deterministic for a seed."""
    rng = random.Random(seed)
    today = today or date.today()
    shared_pool = [
        {
            "address_line1": f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
            "address_unit": "",
            "address_city": o["city"],
            "address_state": "TX",
            "address_postal_code": o["zip"],
        }
        for o in offices
        for _ in range(2)
    ]
    rows = []
    for i in range(count):
        office = rng.choice(offices)
        sex, given, first, second = person_name(rng)
        country, langs = rng.choice(COUNTRIES)
        dob = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 45))
        release = today - timedelta(days=rng.randint(1, 900))
        aliases = alias_variants(rng, given, first, second) if rng.random() < 0.4 else []
        row: dict[str, Any] = {
            "a_number": f"{a_number_start + i:09d}",
            "given_names": given,
            "first_surname": first,
            "second_surname": second,
            "date_of_birth": dob.isoformat(),
            "sex": sex,
            "country_of_citizenship": country,
            "languages": ";".join(langs),
            "preferred_language": langs[0] if langs[0] in ("es", "en", "pt", "fr") else "es",
            "phone": _phone(rng) if rng.random() < 0.93 else "",
            "email": f"participant{a_number_start + i}@example.org" if rng.random() < 0.4 else "",
            "release_type": rng.choice(RELEASE_TYPES),
            "release_date": release.isoformat(),
            "releasing_facility": rng.choice(FACILITIES),
            "office_code": office["code"],
            "officer_username": rng.choice(office["officers"]) if office.get("officers") else "",
            "aliases": ";".join("|".join(a) for a in aliases),
        }
        if not row["phone"] and not row["email"]:
            row["phone"] = _phone(rng)
        row.update(_address(rng, office["city"], office["zip"], shared_pool))
        rows.append(row)
    return rows


def corrupt(rows: list[dict[str, Any]], rate: float, *, seed: int = 11) -> set[int]:
    """Makes `rate` of the rows invalid in one field each, as real feeds do; returns their
    1-based row numbers."""
    rng = random.Random(seed)
    breakers = [
        ("a_number", lambda v: "A12-34"),
        ("date_of_birth", lambda v: "31/02/1990"),
        ("given_names", lambda v: ""),
        ("country_of_citizenship", lambda v: "Mexico"),
        ("release_type", lambda v: "unknown"),
        ("office_code", lambda v: "ZZZ"),
        ("release_date", lambda v: "2999-01-01"),
    ]
    n = int(len(rows) * rate)
    picked = rng.sample(range(len(rows)), n)
    for index in picked:
        field, breaker = rng.choice(breakers)
        rows[index][field] = breaker(rows[index][field])
    return {i + 1 for i in picked}
