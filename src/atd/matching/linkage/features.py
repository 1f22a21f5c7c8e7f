"""Linkage features of one person-record: folded names, phonetic keys, date keys. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from atd.matching.rules import (
    address_fold,
    dob_day_month_swapped,
    name_fold,
    name_phonetic,
    name_tokens,
)

# Columns of the linkage input tables, in order. Left = booking records, right = participants
# (one row for the participant's own name and one per alias).
COLUMNS = (
    "unique_id",
    "booking_id",
    "participant_id",
    "alias_id",
    "given_fold",
    "given_first",
    "given_phon",
    "given_init",
    "surnames_sorted",
    "surnames_joined",
    "surname_tokens",
    "surname_phons",
    "sp1",
    "sp2",
    "name_key",
    "dob",
    "dob_swapped",
    "dob_year",
    "dob_md",
    "dob_ym",
    "dob_yd",
    "sex",
    "postcode",
    "city",
    "street",
    "street_name",
)


@dataclass(frozen=True)
class PersonRecord:
    """What both sides of the linkage share, before features are derived."""

    unique_id: str
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date | None
    sex: str = ""
    postal_code: str = ""
    city: str = ""
    street: str = ""
    booking_id: int | None = None
    participant_id: int | None = None
    alias_id: int | None = None
    date_of_birth_recorded: str = ""


def _none_if_empty(value: str) -> str | None:
    return value or None


def person_features(rec: PersonRecord) -> dict[str, Any]:
    """Features that let two surnames in either order or only one, compound given names,
    accents vs ASCII, transliteration variants and swapped given/family names still agree."""
    given = name_tokens(rec.given_names)
    surnames = name_tokens(f"{rec.first_surname} {rec.second_surname}")
    sphon = [name_phonetic(t) for t in surnames]
    every = sorted(name_phonetic(t) for t in given + surnames)
    dob = rec.date_of_birth
    swapped = dob_day_month_swapped(dob)
    return {
        "unique_id": rec.unique_id,
        "booking_id": rec.booking_id,
        "participant_id": rec.participant_id,
        "alias_id": rec.alias_id,
        "given_fold": _none_if_empty(" ".join(given)),
        "given_first": given[0] if given else None,
        "given_phon": name_phonetic(given[0]) if given else None,
        # First letter of the given name: narrows a blocking rule on date + surname (blocking.py).
        "given_init": given[0][0] if given else None,
        "surnames_sorted": _none_if_empty(" ".join(sorted(surnames))),
        "surnames_joined": _none_if_empty(" ".join(surnames)),
        "surname_tokens": surnames or None,
        "surname_phons": sphon or None,
        "sp1": sphon[0] if sphon else None,
        "sp2": sphon[1] if len(sphon) > 1 else (sphon[0] if sphon else None),
        # Order-free phonetic bag of every name word: catches given/family swaps.
        "name_key": _none_if_empty(" ".join(every)),
        "dob": dob.isoformat() if dob else (rec.date_of_birth_recorded or None),
        "dob_swapped": swapped.isoformat() if swapped else None,
        "dob_year": dob.year if dob else None,
        "dob_md": dob.isoformat()[5:] if dob else None,
        "dob_ym": dob.isoformat()[:7] if dob else None,
        "dob_yd": f"{dob.year}-{dob.day:02d}" if dob else None,
        # (an untrusted recorded date takes part in the date comparison only)
        "sex": rec.sex if rec.sex in ("F", "M") else None,
        "postcode": _none_if_empty("".join((rec.postal_code or "").split())[:5].upper()),
        "city": _none_if_empty(name_fold(rec.city)),
        # With the house number: the street name alone is shared by a whole neighbourhood.
        "street": _none_if_empty(address_fold(rec.street)),
        "street_name": _none_if_empty(name_fold(rec.street)),
    }


def name_fold_list(values: list[str]) -> list[str]:
    return [name_fold(v) for v in values]
