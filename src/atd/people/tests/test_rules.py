"""Pure rules for people: A-numbers, names, address checks, the case lifecycle (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atd.people.rules import (
    AddressFlagKind,
    AddressInput,
    a_number_normalize,
    address_findings,
    address_key,
    address_split_unit,
    case_transition_problem,
    phone_for_storage,
    phone_is_change,
    phone_is_e164,
    phone_normalize,
    text_fold,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456789", "123456789"),
        ("A123-456-789", "123456789"),
        ("a 12345678", "012345678"),
        ("A-1234567", "001234567"),
    ],
)
def test_a_number_accepts_common_written_forms(raw: str, expected: str) -> None:
    assert a_number_normalize(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "A", "12345", "1234567890", "12345678X", "000000000", "１２３４５６７８９"]
)
def test_a_number_rejects_anything_else(raw: str) -> None:
    with pytest.raises(ValueError):
        a_number_normalize(raw)


@given(st.integers(min_value=1, max_value=999_999_999))
def test_a_number_round_trips_any_nine_digit_number(n: int) -> None:
    assert a_number_normalize(f"A{n:09d}") == f"{n:09d}"


def test_text_fold_removes_accents_and_case() -> None:
    assert text_fold("José  NÚÑEZ-Ibáñez") == "jose nunez ibanez"


def _address(
    line1: str = "12 Main St", unit: str = "", city: str = "Houston", zip_code: str = "77002"
) -> AddressInput:
    return AddressInput(line1=line1, unit=unit, city=city, state="TX", postal_code=zip_code)


def _kinds(address: AddressInput, **kw: object) -> set[str]:
    args: dict[str, Any] = {
        "others_at_dwelling": 0,
        "shared_threshold": 5,
        "building_has_units": False,
        "known_kind": None,
    }
    args.update(kw)
    return {f.kind for f in address_findings(address, **args)}


def test_clean_address_has_no_flags() -> None:
    assert _kinds(_address()) == set()


def test_blank_address_is_flagged_not_rejected() -> None:
    assert _kinds(_address(line1="", city="")) == {AddressFlagKind.BLANK}


def test_po_box_and_missing_house_number_are_undeliverable() -> None:
    assert AddressFlagKind.UNDELIVERABLE in _kinds(_address(line1="PO Box 55"))
    assert AddressFlagKind.UNDELIVERABLE in _kinds(_address(line1="Main Street"))
    assert AddressFlagKind.UNDELIVERABLE in _kinds(_address(zip_code="7700"))


def test_apartment_building_without_unit_is_flagged() -> None:
    assert AddressFlagKind.MISSING_UNIT in _kinds(_address(line1="40 Las Palmas Apartments"))
    assert AddressFlagKind.MISSING_UNIT in _kinds(_address(), building_has_units=True)
    assert AddressFlagKind.MISSING_UNIT not in _kinds(_address(unit="4B"), building_has_units=True)


def test_address_shared_beyond_threshold_is_flagged() -> None:
    assert AddressFlagKind.SHARED not in _kinds(
        _address(), others_at_dwelling=4, shared_threshold=5
    )
    assert AddressFlagKind.SHARED in _kinds(_address(), others_at_dwelling=5, shared_threshold=5)


def test_known_shelter_is_flagged_non_residential() -> None:
    assert AddressFlagKind.NON_RESIDENTIAL in _kinds(_address(), known_kind="shelter")


def test_unit_written_in_line_one_is_moved_to_unit() -> None:
    split = address_split_unit(_address(line1="12 Main St Apt 4"))
    assert (split.line1, split.unit) == ("12 Main St", "Apt 4")


def test_address_key_ignores_spelling_of_street_words_and_accents() -> None:
    a = address_key(_address(line1="12 Main Street", unit="Apt. 4"))
    b = address_key(_address(line1="12 main st", unit="4"))
    assert a == b


def test_case_lifecycle_transitions() -> None:
    assert (
        case_transition_problem(
            "pending_first_report", "active", closure_reason="", reason="reported"
        )
        is None
    )
    assert (
        case_transition_problem(
            "active", "closed", closure_reason="removed", reason="order executed"
        )
        is None
    )
    assert "closure reason" in (
        case_transition_problem("active", "closed", closure_reason="", reason="x") or ""
    )
    assert "cannot go" in (
        case_transition_problem("closed", "active", closure_reason="", reason="x") or ""
    )
    assert "reason is required" in (
        case_transition_problem("active", "closed", closure_reason="removed", reason=" ") or ""
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  (312) 555-0100 ", "+13125550100"),
        ("312.555.0100", "+13125550100"),
        ("+52 55  1234 5678", "+525512345678"),
        ("+55 11 91234 5678", "+5511912345678"),
    ],
)
def test_a_valid_phone_number_is_stored_in_e164(raw: str, expected: str) -> None:
    assert phone_normalize(raw) == expected
    assert phone_is_e164(phone_normalize(raw))


def test_a_number_without_country_code_is_read_in_the_configured_region() -> None:
    assert phone_normalize("55 1234 5678", "MX") == "+525512345678"


@pytest.mark.parametrize("raw", ["555.0100", "  555  1234 "])
def test_a_number_phonenumbers_finds_invalid_is_kept_as_written_and_flagged(raw: str) -> None:
    value = phone_normalize(raw)
    assert value == " ".join(raw.split())
    assert not phone_is_e164(value)
    assert phone_for_storage(raw) == value


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "required"),
        ("call me", "only digits"),
        ("555-01", "at least 7"),
        ("+1 312 555 0100 00000", "at most 15"),
        ("312+5550100", "only digits"),
    ],
)
def test_phone_number_that_cannot_be_called_is_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        phone_normalize(raw)


def test_the_same_phone_number_written_differently_is_not_a_change() -> None:
    assert not phone_is_change("(312) 555-0100", "312.555.0100")
    assert not phone_is_change("(312) 555-0100", "+13125550100")
    assert phone_is_change("(312) 555-0100", "(312) 555-0199")
    assert phone_is_change("", "312 555 0100")
