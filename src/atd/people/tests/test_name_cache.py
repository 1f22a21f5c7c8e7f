"""Names opened from their sealed text once per process (people.name_cache): bounded, keyed by
the sealed text so a new sealing is a new entry, and never more permissive than opening."""

from __future__ import annotations

from typing import Any

import pytest

from atd.core.fieldcrypt import DecryptionError, encrypt_text
from atd.people.name_cache import name_cache_clear, name_cache_size, participant_names_open
from atd.people.rules import participant_display_name

SURNAME = "people_participant.first_surname"
GIVEN = "people_participant.given_names"


def _sealed(pk: int, surname: str, given: str) -> tuple[int, str, str]:
    return pk, encrypt_text(surname, context=SURNAME), encrypt_text(given, context=GIVEN)


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    name_cache_clear()
    yield
    name_cache_clear()


def test_display_names_have_no_stray_comma() -> None:
    assert participant_display_name("Pérez", "Ana") == "Pérez, Ana"
    assert participant_display_name("Pérez", "  ") == "Pérez"
    assert participant_display_name("", "Ana") == "Ana"
    assert participant_display_name("", "") == ""


def test_a_pair_is_opened_once_and_a_new_sealing_of_a_new_name_is_opened_again() -> None:
    row = _sealed(1, "Pérez", "Ana")
    assert participant_names_open([row]) == {1: "Pérez, Ana"}
    assert name_cache_size() == 1
    assert participant_names_open([row]) == {1: "Pérez, Ana"}
    assert name_cache_size() == 1
    renamed = _sealed(1, "Castro", "Ana")
    assert participant_names_open([renamed]) == {1: "Castro, Ana"}
    # Two participants with the same name have different ciphertexts: two entries, two names.
    assert participant_names_open([_sealed(2, "Pérez", "Ana"), row]) == {
        2: "Pérez, Ana",
        1: "Pérez, Ana",
    }


def test_the_cache_is_bounded_and_a_zero_size_caches_nothing(settings: Any) -> None:
    settings.ATD_NAME_CACHE_ENTRIES = 8
    rows = [_sealed(i, f"Surname{i}", f"Given{i}") for i in range(30)]
    assert participant_names_open(rows) == {i: f"Surname{i}, Given{i}" for i in range(30)}
    assert name_cache_size() == 8  # a read bigger than the cache keeps what fits
    for start in range(0, 30, 5):
        chunk = rows[start : start + 5]
        assert participant_names_open(chunk) == {
            i: f"Surname{i}, Given{i}" for i in range(start, start + 5)
        }
        assert name_cache_size() <= 8
    settings.ATD_NAME_CACHE_ENTRIES = 0
    name_cache_clear()
    assert participant_names_open(rows[:3]) == {i: f"Surname{i}, Given{i}" for i in range(3)}
    assert name_cache_size() == 0


def test_swapped_or_tampered_columns_do_not_open_even_when_the_right_pair_is_cached() -> None:
    pk, surname, given = _sealed(1, "Pérez", "Ana")
    participant_names_open([(pk, surname, given)])
    with pytest.raises(DecryptionError):
        participant_names_open([(pk, given, surname)])  # each column's text in the other
    tampered = surname[:-4] + ("AAAA" if not surname.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        participant_names_open([(pk, tampered, given)])
    assert name_cache_size() == 1


def test_unsealed_and_blank_names_read_as_they_are() -> None:
    # Rows written before the encryption migration are read as stored, as the ORM reads them.
    assert participant_names_open([(1, "Legacy", "Name"), (2, "", ""), (3, "", "Solo")]) == {
        1: "Legacy, Name",
        2: "",
        3: "Solo",
    }
