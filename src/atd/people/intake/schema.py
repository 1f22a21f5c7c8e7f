"""The release record: parsing and validation of one row, pure (documented in docs/intake.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from atd.core.errors import FieldError
from atd.people.rules import AddressInput, a_number_normalize

RELEASE_TYPES = {"parole", "ntr", "nta", "recognizance", "other"}
RELEASE_TYPE_SYNONYMS = {
    "notice_to_report": "ntr",
    "notice to report": "ntr",
    "notice_to_appear": "nta",
    "notice to appear": "nta",
    "or": "recognizance",
    "order_of_recognizance": "recognizance",
    "order of recognizance": "recognizance",
}
SEXES = {"F", "M", "X"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 ().-]{7,24}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
MAX_NAME = 150

COLUMNS = [
    "a_number",
    "given_names",
    "first_surname",
    "second_surname",
    "date_of_birth",
    "sex",
    "country_of_citizenship",
    "languages",
    "preferred_language",
    "phone",
    "email",
    "address_line1",
    "address_unit",
    "address_city",
    "address_state",
    "address_postal_code",
    "release_type",
    "release_date",
    "releasing_facility",
    "office_code",
    "officer_username",
    "aliases",
]


@dataclass(frozen=True)
class AliasRecord:
    given_names: str
    first_surname: str
    second_surname: str = ""


@dataclass(frozen=True)
class ReleaseRecord:
    row_number: int
    a_number: str
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date
    sex: str
    country_of_citizenship: str
    languages: tuple[str, ...]
    preferred_language: str
    phone: str
    email: str
    address: AddressInput
    release_type: str
    release_date: date
    releasing_facility: str
    office_code: str
    officer_username: str
    aliases: tuple[AliasRecord, ...] = field(default_factory=tuple)


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise TypeError(name)
    return str(value).strip()


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _aliases(raw: Any) -> tuple[AliasRecord, ...]:
    """CSV: 'Given|First|Second;Given|First'. JSON: a list of objects or of such strings."""
    if raw in (None, ""):
        return ()
    items: list[AliasRecord] = []
    entries = raw if isinstance(raw, list) else str(raw).split(";")
    for entry in entries:
        if isinstance(entry, dict):
            parts = [
                str(entry.get("given_names", "")).strip(),
                str(entry.get("first_surname", "")).strip(),
                str(entry.get("second_surname", "")).strip(),
            ]
        else:
            parts = [p.strip() for p in str(entry).split("|")] + ["", ""]
        if not parts[0] or not parts[1]:
            raise ValueError("each alias needs given names and a first surname")
        items.append(AliasRecord(parts[0][:MAX_NAME], parts[1][:MAX_NAME], parts[2][:MAX_NAME]))
    return tuple(items)


def release_record_parse(
    row: dict[str, Any], *, row_number: int, today: date, office_codes: set[str]
) -> tuple[ReleaseRecord | None, list[FieldError]]:
    """Every problem in the row is reported, not only the first."""
    errors: list[FieldError] = []

    def err(name: str, reason: str) -> None:
        errors.append(FieldError(field=name, reason=reason, row=row_number))

    if not isinstance(row, dict):
        return None, [FieldError("row", "a record must be an object", row_number)]
    values: dict[str, str] = {}
    for name in COLUMNS:
        if name == "aliases":
            continue
        try:
            values[name] = _text(row, name)
        except TypeError:
            err(name, "must be text")
            values[name] = ""

    a_number = ""
    try:
        a_number = a_number_normalize(values["a_number"])
    except ValueError as exc:
        err("a_number", str(exc))
    for name in ("given_names", "first_surname"):
        if not values[name]:
            err(name, "is required")
        elif len(values[name]) > MAX_NAME:
            err(name, f"is longer than {MAX_NAME} characters")
    if len(values["second_surname"]) > MAX_NAME:
        err("second_surname", f"is longer than {MAX_NAME} characters")

    dob = None
    if not values["date_of_birth"]:
        err("date_of_birth", "is required")
    else:
        try:
            dob = _date(values["date_of_birth"])
            if dob > today:
                err("date_of_birth", "is in the future")
            elif dob.year < 1900:
                err("date_of_birth", "is before 1900")
        except ValueError:
            err("date_of_birth", "must be a date as YYYY-MM-DD")

    sex = (values["sex"] or "X").upper()[:1]
    if sex not in SEXES:
        err("sex", "must be F, M or X")
    country = values["country_of_citizenship"].upper()
    if not _COUNTRY.match(country):
        err("country_of_citizenship", "must be a two-letter ISO 3166 code")

    raw_langs = row.get("languages")
    if isinstance(raw_langs, list):
        langs = [str(x).strip().lower() for x in raw_langs if str(x).strip()]
    else:
        langs = [x.strip().lower() for x in re.split(r"[;,]", values["languages"]) if x.strip()]
    if any(not _LANG.match(x) for x in langs):
        err("languages", "must be ISO 639 codes such as es, pt, en")
    preferred = (values["preferred_language"] or (langs[0] if langs else "en")).lower()
    if not _LANG.match(preferred):
        err("preferred_language", "must be an ISO 639 code such as es")
    if preferred and preferred not in langs:
        langs.insert(0, preferred)

    phone, email = values["phone"], values["email"]
    if phone and not _PHONE_ALLOWED.match(phone):
        err("phone", "is not a phone number")
    if email and not _EMAIL.match(email):
        err("email", "is not an email address")
    if not phone and not email:
        err("phone", "a phone number or an email address is required to reach the participant")

    release_type = values["release_type"].lower()
    release_type = RELEASE_TYPE_SYNONYMS.get(release_type, release_type)
    if release_type not in RELEASE_TYPES:
        err("release_type", "must be one of parole, ntr, nta, recognizance, other")
    release_date = None
    if not values["release_date"]:
        err("release_date", "is required")
    else:
        try:
            release_date = _date(values["release_date"])
            if release_date > today:
                err("release_date", "is in the future")
            if dob and release_date < dob:
                err("release_date", "is before the date of birth")
        except ValueError:
            err("release_date", "must be a date as YYYY-MM-DD")

    office_code = values["office_code"].upper()
    if not office_code:
        err("office_code", "is required")
    elif office_code not in office_codes:
        err("office_code", "is not a known office")

    aliases: tuple[AliasRecord, ...] = ()
    try:
        aliases = _aliases(row.get("aliases"))
    except ValueError as exc:
        err("aliases", str(exc))

    if errors:
        return None, errors
    assert dob is not None and release_date is not None
    return (
        ReleaseRecord(
            row_number=row_number,
            a_number=a_number,
            given_names=values["given_names"],
            first_surname=values["first_surname"],
            second_surname=values["second_surname"],
            date_of_birth=dob,
            sex=sex,
            country_of_citizenship=country,
            languages=tuple(langs),
            preferred_language=preferred,
            phone=phone,
            email=email.lower(),
            address=AddressInput(
                line1=values["address_line1"][:200],
                unit=values["address_unit"][:32],
                city=values["address_city"][:100],
                state=values["address_state"][:32],
                postal_code=values["address_postal_code"][:16],
            ),
            release_type=release_type,
            release_date=release_date,
            releasing_facility=values["releasing_facility"][:200],
            office_code=office_code,
            officer_username=values["officer_username"],
            aliases=aliases,
        ),
        [],
    )
