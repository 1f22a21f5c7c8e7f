"""Pure rules of matching: feed-row validation, name and date keys for linkage, review policy."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

# --- feed rows ------------------------------------------------------------

MAX_FIELD = {
    "booking_id": 100,
    "agency": 200,
    "given_names": 150,
    "first_surname": 150,
    "second_surname": 150,
    "name": 400,
    "address": 300,
    "city": 100,
    "postal_code": 16,
    "fingerprint_id": 64,
}
SEXES = {"F": "F", "M": "M", "X": "X", "FEMALE": "F", "MALE": "M", "U": "", "": ""}


@dataclass(frozen=True)
class BookingInput:
    booking_id: str
    booking_date: date
    agency: str
    given_names: str
    first_surname: str
    second_surname: str
    name_as_recorded: str
    date_of_birth: date | None
    sex: str
    address: str
    city: str
    postal_code: str
    charges: tuple[str, ...]
    fingerprint_id: str
    # An impossible date as recorded (e.g. "1965-13-32"): kept for comparison, never trusted.
    date_of_birth_recorded: str = ""
    # Problems that did not stop the row: (field, reason).
    warnings: tuple[tuple[str, str], ...] = ()


@dataclass
class RowProblems:
    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, field_name: str, reason: str) -> None:
        self.problems.append((field_name, reason))


def _text(row: dict, name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    return " ".join(str(value).split())


def _date(value: str) -> date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError("not a date (use YYYY-MM-DD)")


def name_split_recorded(name: str) -> tuple[str, str, str]:
    """'PÉREZ GARCÍA, Ana María' -> ('Ana María', 'PÉREZ', 'GARCÍA'); without a comma the last
    one or two words are taken as surnames the way most feeds print them ('Ana Pérez García')."""
    if "," in name:
        family, given = (p.strip() for p in name.split(",", 1))
        parts = family.split()
        return given, parts[0] if parts else "", " ".join(parts[1:])
    parts = name.split()
    if len(parts) >= 4:
        return " ".join(parts[:-2]), parts[-2], parts[-1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return "", name, ""


def booking_row_parse(row: dict, *, today: date) -> BookingInput | RowProblems:
    """Validates one feed row. Returns the clean record, or every problem found in it."""
    problems = RowProblems()
    if not isinstance(row, dict):
        problems.add("row", "a record must be an object")
        return problems
    for name, limit in MAX_FIELD.items():
        if len(_text(row, name)) > limit:
            problems.add(name, f"longer than {limit} characters")
    booking_id = _text(row, "booking_id")
    if not booking_id:
        problems.add("booking_id", "booking id is required")
    agency = _text(row, "agency")
    if not agency:
        problems.add("agency", "agency is required")
    booking_date: date | None = None
    try:
        booking_date = _date(_text(row, "booking_date"))
        if booking_date > today + timedelta(days=1):
            problems.add("booking_date", "booking date is in the future")
    except ValueError as exc:
        problems.add("booking_date", str(exc) if _text(row, "booking_date") else "required")
    given = _text(row, "given_names")
    first = _text(row, "first_surname")
    second = _text(row, "second_surname")
    recorded = _text(row, "name")
    if not (given or first) and recorded:
        given, first, second = name_split_recorded(recorded)
    if not first and not given:
        problems.add("name", "a name is required (given_names/first_surname or name)")
    dob: date | None = None
    dob_recorded = ""
    warnings: list[tuple[str, str]] = []
    if _text(row, "date_of_birth"):
        try:
            dob = _date(_text(row, "date_of_birth"))
            if dob > today or dob.year < 1900:
                dob_recorded, dob = dob.isoformat(), None
                warnings.append(("date_of_birth", "out of range; kept as recorded, not trusted"))
        except ValueError:
            # A booking is not refused for a mistyped date of birth: the record is kept without
            # a trusted date, and an 8-digit value is kept as recorded for fuzzy comparison.
            digits = re.sub(r"\D", "", _text(row, "date_of_birth"))
            if len(digits) == 8:
                dob_recorded = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
            warnings.append(("date_of_birth", "not a valid date; kept as recorded, not trusted"))
    sex_raw = _text(row, "sex").upper()
    if sex_raw not in SEXES:
        problems.add("sex", "sex must be F, M, X or empty")
    charges_raw = row.get("charges") or []
    if isinstance(charges_raw, str):
        charges = tuple(c.strip() for c in charges_raw.split(";") if c.strip())
    elif isinstance(charges_raw, list) and all(isinstance(c, str) for c in charges_raw):
        charges = tuple(" ".join(c.split()) for c in charges_raw if c.strip())
    else:
        problems.add("charges", "charges must be a list of strings or ';'-separated text")
        charges = ()
    if problems.problems or booking_date is None:
        return problems
    return BookingInput(
        booking_id=booking_id,
        booking_date=booking_date,
        agency=agency,
        given_names=given,
        first_surname=first,
        second_surname=second,
        name_as_recorded=recorded or " ".join(p for p in (given, first, second) if p),
        date_of_birth=dob,
        sex=SEXES[sex_raw],
        address=_text(row, "address"),
        city=_text(row, "city"),
        postal_code=_text(row, "postal_code"),
        charges=charges,
        fingerprint_id=_text(row, "fingerprint_id"),
        date_of_birth_recorded=dob_recorded,
        warnings=tuple(warnings),
    )


# --- name and date keys for linkage -----------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_LETTER = re.compile(r"[^a-z ]+")
# Particles that feeds drop or keep at random ("de la Cruz", "dos Santos").
PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "das", "do", "dos", "e", "y", "van"})
# Transliteration and spelling variants folded to one form before the phonetic key.
_TRANSLIT = (
    ("sch", "s"),
    ("sh", "s"),
    ("ch", "s"),
    ("kh", "j"),
    ("ph", "f"),
    ("th", "t"),
    ("ll", "y"),
    ("nh", "n"),
    ("lh", "l"),
    ("ck", "k"),
    ("qu", "k"),
    ("gu", "g"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ie", "i"),
    ("x", "ks"),
)
_LETTER = str.maketrans({"v": "b", "z": "s", "c": "k", "q": "k", "y": "i", "w": "b", "j": "h"})


# Names repeat: a population of millions has a few hundred thousand distinct name words, so the
# two per-word functions below are cached (they are pure; rebuilding 4.5 million participants'
# blocking keys spent most of its time in them).
@lru_cache(maxsize=1 << 17)
def name_fold(value: str) -> str:
    """Lower case ASCII letters and single spaces: 'José-María  Núñez' -> 'jose maria nunez'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    stripped = stripped.replace("-", " ").replace("'", "")
    return " ".join(_NON_LETTER.sub(" ", stripped).split())


def address_fold(value: str) -> str:
    """Like `name_fold`, keeping digits: '1234 Oak St.' -> '1234 oak st' (the house number is
    most of what a street address says about identity: 'oak st' alone is shared by many)."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    stripped = stripped.replace("-", " ").replace("'", "")
    return " ".join(_NON_ALNUM.sub(" ", stripped).split())


def name_tokens(value: str) -> list[str]:
    """Folded words without particles: 'María de los Ángeles' -> ['maria', 'angeles']."""
    return [t for t in name_fold(value).split() if t not in PARTICLES]


@lru_cache(maxsize=1 << 17)
def name_phonetic(token: str) -> str:
    """A spelling-variant key for one folded word: Mohammed/Muhammad, Yevgeny/Evgeni,
    Gonzalez/Gonsales, Sousa/Souza, Jiménez/Gimenez fold together; first letter vowels kept."""
    word = token
    for old, new in _TRANSLIT:
        word = word.replace(old, new)
    word = word.translate(_LETTER)
    word = word.replace("h", "") or word
    out: list[str] = []
    for i, ch in enumerate(word):
        if i > 0 and ch in "aeiou":
            continue  # vowels after the first letter carry most transliteration noise
        if out and out[-1] == ch:
            continue
        out.append(ch)
    key = "".join(out)
    # Trailing 's'/'x' vs nothing (Gonzales/Gonzalez, Lopes/Lopez) already folded above.
    return key[:8]


def dob_day_month_swapped(value: date | None) -> date | None:
    """The date with day and month exchanged, when that is a valid other date."""
    if value is None or value.day > 12 or value.day == value.month:
        return None
    try:
        return date(value.year, value.day, value.month)
    except ValueError:
        return None


# --- review policy ----------------------------------------------------------

# Pairs scoring at or above this match probability (per mille) enter the analysts' review
# queue (ATD_MATCHING_REVIEW_THRESHOLD_PERMILLE overrides it). Why 0.97: docs/adr/0011.
REVIEW_THRESHOLD_PERMILLE = 970


def second_identifier_agrees(
    *,
    kind: str,
    booking_dob: date | None,
    participant_dob: date | None,
    alias_dob: date | None,
    booking_fingerprint: str,
    known_fingerprints: set[str],
    verification_note: str,
) -> tuple[bool, str]:
    """A confirmation needs one identifier besides the name to agree. Returns (ok, reason)."""
    if kind == "date_of_birth":
        if booking_dob is not None and booking_dob in {participant_dob, alias_dob}:
            return True, "date of birth agrees exactly"
        return False, "the booking's date of birth does not agree exactly with the participant's"
    if kind == "fingerprint":
        if booking_fingerprint and booking_fingerprint in known_fingerprints:
            return True, "fingerprint identifier agrees"
        return False, "no fingerprint identifier on file agrees with the booking's"
    if kind == "analyst_verification":
        if len(verification_note.strip()) >= 15:
            return True, "analyst recorded how the identity was verified"
        return False, "describe how the identity was verified (at least 15 characters)"
    return False, "unknown second identifier"


def authentication_is_fresh(
    *, authenticated_at: datetime | None, now: datetime, minutes: int
) -> bool:
    """A confirmation needs a login or re-authentication within the last `minutes`."""
    if authenticated_at is None:
        return False
    return timedelta(0) <= now - authenticated_at <= timedelta(minutes=minutes)
