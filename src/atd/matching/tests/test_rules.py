"""Pure rules of matching: feed rows, name keys, review policy (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from atd.matching.rules import (
    BookingInput,
    RowProblems,
    authentication_is_fresh,
    booking_row_parse,
    dob_day_month_swapped,
    name_fold,
    name_phonetic,
    name_split_recorded,
    name_tokens,
    second_identifier_agrees,
)

TODAY = date(2026, 11, 23)


def _row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "booking_id": "B-1",
        "booking_date": "2026-11-20",
        "agency": "County Sheriff",
        "given_names": "Ana María",
        "first_surname": "Pérez",
        "second_surname": "García",
        "date_of_birth": "1990-01-02",
        "sex": "F",
        "charges": "trespass; theft",
    }
    row.update(over)
    return row


def test_a_good_row_becomes_a_booking_with_its_charges_split() -> None:
    parsed = booking_row_parse(_row(), today=TODAY)
    assert isinstance(parsed, BookingInput)
    assert parsed.charges == ("trespass", "theft")
    assert parsed.name_as_recorded == "Ana María Pérez García"


def test_every_problem_of_a_bad_row_is_reported_with_its_field() -> None:
    parsed = booking_row_parse(
        _row(booking_id="", booking_date="tomorrow", date_of_birth="1880-01-01", sex="Q"),
        today=TODAY,
    )
    assert isinstance(parsed, RowProblems)
    fields = {f for f, _ in parsed.problems}
    assert fields == {"booking_id", "booking_date", "sex"}


def test_an_impossible_date_of_birth_is_kept_as_recorded_but_not_trusted() -> None:
    parsed = booking_row_parse(_row(date_of_birth="2074-12-12"), today=TODAY)
    assert isinstance(parsed, BookingInput)
    assert (parsed.date_of_birth, parsed.date_of_birth_recorded) == (None, "2074-12-12")
    assert parsed.warnings[0][0] == "date_of_birth"


def test_a_name_recorded_in_one_field_is_split_into_given_names_and_surnames() -> None:
    assert name_split_recorded("PÉREZ GARCÍA, Ana María") == ("Ana María", "PÉREZ", "GARCÍA")
    parsed = booking_row_parse(
        _row(given_names="", first_surname="", second_surname="", name="Luis Núñez"),
        today=TODAY,
    )
    assert isinstance(parsed, BookingInput)
    assert (parsed.given_names, parsed.first_surname) == ("Luis", "Núñez")


def test_accents_and_particles_fold_away() -> None:
    assert name_fold("José-María  Núñez") == "jose maria nunez"
    assert name_tokens("María de los Ángeles") == ["maria", "angeles"]


def test_transliteration_variants_share_a_phonetic_key() -> None:
    assert name_phonetic("mohammed") == name_phonetic("muhammad")
    assert name_phonetic("yevgeny") == name_phonetic("evgeni") or name_phonetic(
        "yevgeniy"
    ) == name_phonetic("yevgeny")
    assert name_phonetic("gonzalez") == name_phonetic("gonsales")
    assert name_phonetic("sousa") == name_phonetic("souza")
    assert name_phonetic("garcia") != name_phonetic("lopez")


def test_day_and_month_swap_only_when_it_makes_another_valid_date() -> None:
    assert dob_day_month_swapped(date(1990, 3, 7)) == date(1990, 7, 3)
    assert dob_day_month_swapped(date(1990, 3, 25)) is None
    assert dob_day_month_swapped(date(1990, 4, 4)) is None


def test_confirmation_by_date_of_birth_needs_an_exact_agreement() -> None:
    ok, _ = second_identifier_agrees(
        kind="date_of_birth",
        booking_dob=date(1990, 1, 2),
        participant_dob=date(1990, 1, 2),
        alias_dob=None,
        booking_fingerprint="",
        known_fingerprints=set(),
        verification_note="",
    )
    assert ok
    ok, reason = second_identifier_agrees(
        kind="date_of_birth",
        booking_dob=date(1990, 2, 1),
        participant_dob=date(1990, 1, 2),
        alias_dob=None,
        booking_fingerprint="",
        known_fingerprints=set(),
        verification_note="",
    )
    assert not ok and "does not agree" in reason


def test_confirmation_by_fingerprint_needs_one_already_on_file() -> None:
    common: dict[str, Any] = {
        "kind": "fingerprint",
        "booking_dob": None,
        "participant_dob": None,
        "alias_dob": None,
        "verification_note": "",
    }
    assert second_identifier_agrees(
        **common, booking_fingerprint="FP1", known_fingerprints={"FP1"}
    )[0]
    assert not second_identifier_agrees(
        **common, booking_fingerprint="FP1", known_fingerprints=set()
    )[0]


def test_an_analyst_verification_must_say_how_it_was_done() -> None:
    common: dict[str, Any] = {
        "kind": "analyst_verification",
        "booking_dob": None,
        "participant_dob": None,
        "alias_dob": None,
        "booking_fingerprint": "",
        "known_fingerprints": set(),
    }
    assert not second_identifier_agrees(**common, verification_note="ok")[0]
    assert second_identifier_agrees(
        **common, verification_note="called the jail; A-number on the booking sheet matches"
    )[0]


def test_authentication_is_fresh_only_within_the_window() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert authentication_is_fresh(authenticated_at=now - timedelta(minutes=5), now=now, minutes=15)
    assert not authentication_is_fresh(
        authenticated_at=now - timedelta(minutes=16), now=now, minutes=15
    )
    assert not authentication_is_fresh(authenticated_at=None, now=now, minutes=15)
