"""Field encryption and blind indexes (ADR 0021): sealing, key ids, rotation, refusal of
lookups that cannot work on ciphertext, and hostile values."""

from __future__ import annotations

from typing import Any

import pytest

from atd.core.fieldcrypt import (
    DecryptionError,
    blind_index,
    decrypt_bytes,
    decrypt_text,
    encrypt_bytes,
    encrypt_text,
    stored_key_id,
    text_key_id,
)


def test_text_round_trips_with_the_key_id_and_a_fresh_nonce() -> None:
    one = encrypt_text("Ana María Pérez", context="t.c")
    two = encrypt_text("Ana María Pérez", context="t.c")
    assert one != two  # random nonce: equal values do not show as equal
    assert "Ana" not in one and "Pérez" not in one
    assert decrypt_text(one, context="t.c") == "Ana María Pérez"
    assert text_key_id(one) == stored_key_id(one)
    assert encrypt_text("", context="t.c") == ""


def test_a_ciphertext_moved_to_another_column_or_edited_does_not_open() -> None:
    sealed = encrypt_text("123456789", context="people_participant.a_number")
    with pytest.raises(DecryptionError):
        decrypt_text(sealed, context="people_participant.phone")
    edited = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    with pytest.raises(DecryptionError):
        decrypt_text(edited, context="people_participant.a_number")
    with pytest.raises(DecryptionError):
        decrypt_text("e1.k1.%%%not base64", context="people_participant.a_number")


def test_bytes_round_trip_and_refuse_tampering() -> None:
    photo = b"\xff\xd8\xff" + bytes(range(256)) * 10
    sealed = encrypt_bytes(photo, context="t.photo")
    assert photo[10:40] not in sealed
    assert decrypt_bytes(sealed, context="t.photo") == photo
    broken = bytearray(sealed)
    broken[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt_bytes(bytes(broken), context="t.photo")


def test_hostile_values_round_trip(settings: Any) -> None:
    for value in ["\x00nul", "e1.k1.looks-sealed", "x" * 100_000, "😀 ñ \u202e", " "]:
        assert decrypt_text(encrypt_text(value, context="t.c"), context="t.c") == value


def test_rotation_old_keys_still_open_and_new_values_use_the_new_key(settings: Any) -> None:
    old = encrypt_text("before", context="t.c")
    settings.ATD_FIELD_KEYS = {**settings.ATD_FIELD_KEYS, "k99": b"r" * 48}
    settings.ATD_FIELD_KEY_ID = "k99"
    new = encrypt_text("after", context="t.c")
    assert text_key_id(new) == "k99" and text_key_id(old) != "k99"
    assert decrypt_text(old, context="t.c") == "before"
    assert decrypt_text(new, context="t.c") == "after"
    settings.ATD_FIELD_KEYS = {"k99": b"r" * 48}  # the old key dropped: its values no longer open
    with pytest.raises(DecryptionError):
        decrypt_text(old, context="t.c")


def test_blind_index_is_keyed_deterministic_and_separated_by_kind(settings: Any) -> None:
    a = blind_index("123456789", kind="a-number")
    assert a == blind_index("123456789", kind="a-number")
    assert a != blind_index("123456789", kind="phone")
    assert len(a) == 16 and "123456789" not in a
    assert blind_index("", kind="a-number") == ""
    settings.ATD_INDEX_KEYS = {"i2": b"z" * 48}
    settings.ATD_INDEX_KEY_ID = "i2"
    assert blind_index("123456789", kind="a-number") != a


def test_json_documents_round_trip_sealed() -> None:
    from atd.core.fieldcrypt import EncryptedJSONField

    field = EncryptedJSONField()
    field.column = "questionnaire"
    answers = {"phone_new": "+1 312 555 0177", "travel_planned": True, "n": [1, "ñ"]}
    stored = field.get_prep_value(answers)
    assert stored.startswith("e1.") and "555" not in stored
    assert field.from_db_value(stored, None, None) == answers
    assert field.from_db_value('{"legacy": 1}', None, None) == {"legacy": 1}  # clear, pre-migration
