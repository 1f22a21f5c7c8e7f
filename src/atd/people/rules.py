"""Pure rules for people and cases: A-numbers, names, address checks, the case lifecycle."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import phonenumbers

# --- A-number -------------------------------------------------------------

_A_NUMBER_NOISE = re.compile(r"[\s\-.]")


def a_number_normalize(raw: str) -> str:
    """Returns the 9-digit A-number or raises ValueError with a reason.

    Accepts an optional leading 'A' and separators; older 7- and 8-digit numbers are
    left-padded with zeros, as the agency does.
    """
    value = _A_NUMBER_NOISE.sub("", (raw or "").strip()).upper()
    if value.startswith("A"):
        value = value[1:]
    if not value:
        raise ValueError("A-number is required")
    if not value.isdigit() or not value.isascii():
        raise ValueError("A-number must contain only digits")
    if len(value) in (7, 8):
        value = value.zfill(9)
    if len(value) != 9:
        raise ValueError("A-number must have 9 digits")
    if set(value) == {"0"}:
        raise ValueError("A-number cannot be all zeros")
    return value


# --- names ----------------------------------------------------------------


def text_fold(value: str) -> str:
    """Lower case, accents removed, spaces collapsed: 'José  Núñez' -> 'jose nunez'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().replace("-", " ").split())


def participant_display_name(first_surname: str, given_names: str) -> str:
    """ "Surname, Given names" as officers read a name; either part alone when the other is
    blank (no stray comma), "" when both are."""
    surname, given = (first_surname or "").strip(), (given_names or "").strip()
    return f"{surname}, {given}" if surname and given else surname or given


def participant_search_name(
    given_names: str, first_surname: str, second_surname: str, aliases: list[str] | None = None
) -> str:
    parts = [given_names, first_surname, second_surname, *(aliases or [])]
    return text_fold(" ".join(p for p in parts if p))[:500]


# --- phone numbers --------------------------------------------------------

_PHONE_CHARS = re.compile(r"^\+?[0-9 ().-]+$")
PHONE_MIN_DIGITS = 7  # a local number without its area code is still a number to call
PHONE_MAX_DIGITS = 15  # E.164's maximum, country code included
PHONE_MAX_LENGTH = 32  # Participant.phone


def phone_normalize(raw: str, default_region: str = "US") -> str:
    """The number in E.164 (+13125550100) when `phonenumbers` finds it a valid number (a number
    without a country code is read in `default_region`); otherwise the number as the
    participant wrote it, trimmed, spaces collapsed, kept for the officer and flagged by
    `phone_is_e164` being false. ValueError, with a reason, when it cannot be a phone number at
    all: only digits, spaces, dots, dashes, parentheses and one leading '+' are allowed, with 7
    to 15 digits (E.164 allows at most 15, country code included)."""
    value = " ".join((raw or "").split())
    if not value:
        raise ValueError("a phone number is required")
    if len(value) > PHONE_MAX_LENGTH or not _PHONE_CHARS.match(value):
        raise ValueError("use only digits, spaces, dashes, dots, brackets and a leading +")
    digits = phone_digits(value)
    if len(digits) < PHONE_MIN_DIGITS:
        raise ValueError(f"a phone number has at least {PHONE_MIN_DIGITS} digits")
    if len(digits) > PHONE_MAX_DIGITS:
        raise ValueError(f"a phone number has at most {PHONE_MAX_DIGITS} digits")
    return phone_e164_or_none(value, default_region) or value


def phone_e164_or_none(raw: str, default_region: str = "US") -> str | None:
    """The number in E.164, or None when `phonenumbers` does not find it a valid number."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, default_region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def phone_is_e164(value: str) -> bool:
    """Whether a stored number is in E.164. Numbers are written in E.164 when they are valid;
    one that is not (kept as written, never dropped) is shown to the officer as unchecked."""
    return bool(_E164.match(value or ""))


def phone_for_storage(raw: str, default_region: str = "US") -> str:
    """What is stored for a number that arrived from outside (a release file, an old row): E.164
    when valid, else the text as written, trimmed (kept and flagged, never dropped)."""
    text = " ".join((raw or "").split())
    return phone_e164_or_none(text, default_region) or text


def phone_digits(value: str) -> str:
    return "".join(c for c in value or "" if c.isdigit())


def phone_is_change(current: str, new: str, default_region: str = "US") -> bool:
    """Whether `new` is a different number from `current`: formatting does not count, so
    "(312) 555-0100", "312.555.0100" and "+13125550100" are the same number."""
    a = phone_e164_or_none(current, default_region) or phone_digits(current)
    b = phone_e164_or_none(new, default_region) or phone_digits(new)
    return a != b


# --- addresses ------------------------------------------------------------

_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "highway": "hwy",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "apartment": "apt",
    "suite": "ste",
}
_UNIT_IN_LINE = re.compile(r"\b(apt|unit|ste|#|no|rm|fl)\s*\.?\s*[0-9a-z-]+$", re.IGNORECASE)
_MULTI_UNIT_WORDS = re.compile(
    r"\b(apartments?|apts|towers?|condominiums?|condos?|residences|lofts|plaza|manor)\b",
    re.IGNORECASE,
)
_US_ZIP = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
_HOUSE_NUMBER = re.compile(r"^\s*[0-9]+[a-z]?\b", re.IGNORECASE)
_PO_BOX = re.compile(r"\bp\.?\s*o\.?\s*box\b", re.IGNORECASE)


@dataclass(frozen=True)
class AddressInput:
    line1: str
    unit: str
    city: str
    state: str
    postal_code: str
    country: str = "US"


class AddressFlagKind(StrEnum):
    BLANK = "blank"
    UNDELIVERABLE = "undeliverable"
    MISSING_UNIT = "missing_unit"
    SHARED = "shared"
    NON_RESIDENTIAL = "non_residential"


@dataclass(frozen=True)
class AddressFinding:
    kind: AddressFlagKind
    detail: str


def _fold_street(value: str) -> str:
    words = re.sub(r"[^\w# ]", " ", text_fold(value)).split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def address_split_unit(address: AddressInput) -> AddressInput:
    """Moves a unit written at the end of line 1 ('12 Main St Apt 4') into the unit field."""
    if address.unit.strip():
        return address
    match = _UNIT_IN_LINE.search(address.line1.strip())
    if not match or not _HOUSE_NUMBER.match(address.line1):
        return address
    return AddressInput(
        line1=address.line1[: match.start()].strip().rstrip(","),
        unit=match.group(0).strip(),
        city=address.city,
        state=address.state,
        postal_code=address.postal_code,
        country=address.country,
    )


def address_building_key(address: AddressInput) -> str:
    """The building, without the unit: used to find multi-unit buildings."""
    zip5 = address.postal_code.strip()[:5]
    return "|".join([_fold_street(address.line1), text_fold(address.city), zip5])[:300]


def address_key(address: AddressInput) -> str:
    """The dwelling: building plus unit. Two participants at one key share a dwelling."""
    unit = re.sub(r"^(apt|unit|ste|no|rm|fl|#)\s*\.?\s*", "", _fold_street(address.unit))
    return f"{address_building_key(address)}|{unit}"[:300]


def address_findings(
    address: AddressInput,
    *,
    others_at_dwelling: int,
    shared_threshold: int,
    building_has_units: bool,
    known_kind: str | None,
) -> list[AddressFinding]:
    """Every problem with an address; flags, never rejections.

    others_at_dwelling: other participants whose current address has the same key.
    building_has_units: another address at this building carries a unit number.
    """
    findings: list[AddressFinding] = []
    line1 = address.line1.strip()
    if not line1 or not address.city.strip():
        findings.append(AddressFinding(AddressFlagKind.BLANK, "street or city is missing"))
        return findings
    if _PO_BOX.search(line1):
        findings.append(
            AddressFinding(AddressFlagKind.UNDELIVERABLE, "a post-office box is not a residence")
        )
    elif not _HOUSE_NUMBER.match(line1):
        findings.append(AddressFinding(AddressFlagKind.UNDELIVERABLE, "no house number"))
    elif address.country == "US" and not _US_ZIP.match(address.postal_code.strip()):
        findings.append(
            AddressFinding(AddressFlagKind.UNDELIVERABLE, "ZIP code is missing or invalid")
        )
    if not address.unit.strip() and (building_has_units or _MULTI_UNIT_WORDS.search(line1)):
        findings.append(
            AddressFinding(
                AddressFlagKind.MISSING_UNIT, "multi-unit building without a unit number"
            )
        )
    if others_at_dwelling + 1 > shared_threshold:
        findings.append(
            AddressFinding(
                AddressFlagKind.SHARED, f"{others_at_dwelling + 1} participants at this address"
            )
        )
    if known_kind:
        findings.append(AddressFinding(AddressFlagKind.NON_RESIDENTIAL, f"known {known_kind}"))
    return findings


# --- case lifecycle -------------------------------------------------------


class CaseStatusValue(StrEnum):
    PENDING_FIRST_REPORT = "pending_first_report"
    ACTIVE = "active"
    AT_LARGE = "at_large"
    CLOSED = "closed"


# Closed is final for a status change; a closed case comes back only through a reopening
# (case_reopen_problem), which names why.
_TRANSITIONS: dict[str, set[str]] = {
    CaseStatusValue.PENDING_FIRST_REPORT: {
        CaseStatusValue.ACTIVE,
        CaseStatusValue.AT_LARGE,
        CaseStatusValue.CLOSED,
    },
    CaseStatusValue.ACTIVE: {CaseStatusValue.AT_LARGE, CaseStatusValue.CLOSED},
    CaseStatusValue.AT_LARGE: {CaseStatusValue.ACTIVE, CaseStatusValue.CLOSED},
    CaseStatusValue.CLOSED: set(),
}


def case_transition_problem(
    current: str, target: str, *, closure_reason: str, reason: str
) -> str | None:
    """None if the change is allowed, else why not."""
    if not reason.strip():
        return "a reason is required for every status change"
    if target not in _TRANSITIONS:
        return f"unknown status {target!r}"
    if target not in _TRANSITIONS.get(current, set()):
        return f"a case cannot go from {current} to {target}"
    if target == CaseStatusValue.CLOSED and not closure_reason:
        return "closing a case needs a closure reason"
    if target != CaseStatusValue.CLOSED and closure_reason:
        return "a closure reason is only given when closing"
    return None


# --- reopening a closed case (issue 19) ------------------------------------


class ReopenReason(StrEnum):
    RE_ENCOUNTER = "re_encounter"  # met again: a booking, a visit, a walk-in
    RE_RELEASE = "re_release"  # released again from custody
    DEPARTURE_DID_NOT_HAPPEN = "departure_did_not_happen"
    OTHER = "other"


REOPEN_REASON_LABELS: dict[str, str] = {
    ReopenReason.RE_ENCOUNTER: "Re-encountered",
    ReopenReason.RE_RELEASE: "Re-released from custody",
    ReopenReason.DEPARTURE_DID_NOT_HAPPEN: "The departure did not happen",
    ReopenReason.OTHER: "Other",
}


def case_reopen_problem(current: str, *, reopen_reason: str, note: str) -> str | None:
    """None if a case may be reopened, else why not. Only a closed case is reopened (a
    departed case is a closed one, closure reason voluntarily departed); it reopens as
    active, and the reason is a kind plus words ("other" needs the words)."""
    if current != CaseStatusValue.CLOSED:
        return "only a closed case can be reopened"
    if reopen_reason not in set(ReopenReason):
        return "say why the case is reopened (re-encounter, re-release, departure not made)"
    if reopen_reason == ReopenReason.OTHER and not note.strip():
        return "describe the reason for reopening"
    return None


# --- at large: the rules that propose it (issue 19) --------------------------


class AtLargeGround(StrEnum):
    STRAP_CUT_NO_CONTACT = "strap_cut_no_contact"
    HEARING_MISSED = "hearing_missed"
    REPORT_DEADLINE_PASSED = "report_deadline_passed"
    CHECKINS_MISSED = "checkins_missed"


@dataclass(frozen=True)
class AtLargePolicy:
    """How long silence must last before each rule proposes at large (defaults in
    docs/court.md; settings ATD_AT_LARGE_*)."""

    strap_cut_silence: timedelta = timedelta(hours=48)
    hearing_silence: timedelta = timedelta(days=2)
    report_grace: timedelta = timedelta(days=7)
    missed_checkins: int = 3
    checkin_silence: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class ContactFacts:
    """What is known of one open case's contact. `last_contact_at`: the latest sign of the
    person (a check-in, a device report after any strap cut, the case's own activation or
    opening), None if none at all. `missed_checkins`: windows closed as missed after the last
    check-in."""

    last_contact_at: datetime | None
    strap_cut_at: datetime | None = None
    failed_to_appear_at: datetime | None = None
    report_by: date | None = None
    reported: bool = True
    missed_checkins: int = 0


@dataclass(frozen=True)
class AtLargeFinding:
    ground: AtLargeGround
    since: datetime  # the moment the rule counts silence from
    detail: str


def _silent_since(facts: ContactFacts, moment: datetime) -> bool:
    return facts.last_contact_at is None or facts.last_contact_at <= moment


def at_large_findings(
    facts: ContactFacts, *, policy: AtLargePolicy, now: datetime
) -> tuple[AtLargeFinding, ...]:
    """The grounds on which a case should be proposed at large now (empty: none). A proposal
    only: an officer confirms it with a reason."""
    out: list[AtLargeFinding] = []
    cut = facts.strap_cut_at
    if cut is not None and _silent_since(facts, cut) and now - cut >= policy.strap_cut_silence:
        hours = int(policy.strap_cut_silence.total_seconds() // 3600)
        out.append(
            AtLargeFinding(
                AtLargeGround.STRAP_CUT_NO_CONTACT,
                cut,
                f"strap cut {cut:%Y-%m-%d %H:%M} UTC, no contact for {hours} h or more",
            )
        )
    fta = facts.failed_to_appear_at
    if fta is not None and _silent_since(facts, fta) and now - fta >= policy.hearing_silence:
        out.append(
            AtLargeFinding(
                AtLargeGround.HEARING_MISSED,
                fta,
                f"failed to appear at the hearing of {fta:%Y-%m-%d}, no contact since",
            )
        )
    if facts.report_by is not None and not facts.reported:
        deadline = datetime.combine(facts.report_by + timedelta(days=1), datetime.min.time())
        deadline = deadline.replace(tzinfo=now.tzinfo)
        if now - deadline >= policy.report_grace and _silent_since(facts, deadline):
            out.append(
                AtLargeFinding(
                    AtLargeGround.REPORT_DEADLINE_PASSED,
                    deadline,
                    f"report-by deadline {facts.report_by:%Y-%m-%d} passed, never reported",
                )
            )
    if facts.missed_checkins >= policy.missed_checkins and (
        facts.last_contact_at is None or now - facts.last_contact_at >= policy.checkin_silence
    ):
        since = facts.last_contact_at or now - policy.checkin_silence
        out.append(
            AtLargeFinding(
                AtLargeGround.CHECKINS_MISSED,
                since,
                f"{facts.missed_checkins} check-ins missed, no contact for "
                f"{policy.checkin_silence.days} days or more",
            )
        )
    return tuple(out)


# --- locate referrals and their outcomes (issue 19) ---------------------------


class ReferralOutcome(StrEnum):
    LOCATED_RESUMED = "located_resumed"
    IN_CUSTODY = "in_custody"
    DEPARTED = "departed"
    DECEASED = "deceased"
    NOT_FOUND = "not_found"


REFERRAL_OUTCOME_LABELS: dict[str, str] = {
    ReferralOutcome.LOCATED_RESUMED: "Located, supervision resumed",
    ReferralOutcome.IN_CUSTODY: "In custody",
    ReferralOutcome.DEPARTED: "Departed",
    ReferralOutcome.DECEASED: "Deceased",
    ReferralOutcome.NOT_FOUND: "Not found after the attempts recorded",
}

# (status, closure reason) the case takes; None: it stays at large.
_OUTCOME_EFFECT: dict[str, tuple[str, str] | None] = {
    ReferralOutcome.LOCATED_RESUMED: (CaseStatusValue.ACTIVE, ""),
    ReferralOutcome.IN_CUSTODY: (CaseStatusValue.CLOSED, "taken_into_custody"),
    ReferralOutcome.DEPARTED: (CaseStatusValue.CLOSED, "voluntarily_departed"),
    ReferralOutcome.DECEASED: (CaseStatusValue.CLOSED, "deceased"),
    ReferralOutcome.NOT_FOUND: None,
}


def referral_outcome_effect(outcome: str) -> tuple[str, str] | None:
    """The case status and closure reason a referral's outcome sets (None: unchanged)."""
    return _OUTCOME_EFFECT[ReferralOutcome(outcome)]


def referral_outcome_problem(
    outcome: str, *, attempts: int, min_attempts: int, note: str
) -> str | None:
    """None if the outcome may be recorded, else why not. "Not found" needs at least
    `min_attempts` recorded attempts; every outcome needs a note."""
    if outcome not in set(ReferralOutcome):
        return "choose an outcome"
    if not note.strip():
        return "a note is required for the outcome"
    if outcome == ReferralOutcome.NOT_FOUND and attempts < min_attempts:
        return f"record at least {min_attempts} attempt(s) before 'not found' ({attempts} so far)"
    return None
