"""Encrypted people fields at rest (ADR 0021): sealed in the table, opened by the model,
lookups on ciphertext refused, re-encryption after a key rotation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection

from atd.core.fieldcrypt import blind_index, key_usage, reencrypt_model
from atd.people.models import Alias, Participant
from atd.testing.world import World, participant_with_case


@pytest.mark.django_db
def test_model_fields_are_sealed_in_the_table_and_open_through_the_model(world: World) -> None:
    p, _ = participant_with_case(
        world.office_a, world.users["case_officer"], given="Zelda", surname="Quintero"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a_number, given_names, first_surname, date_of_birth, phone, a_number_index "
            "FROM people_participant WHERE id = %s",
            [p.pk],
        )
        raw = cursor.fetchone()
    assert all(str(v).startswith("e1.") for v in raw[:5])
    assert "Zelda" not in str(raw) and "1990-01-02" not in str(raw)
    assert raw[5] == blind_index(p.a_number, kind="a-number")
    fresh = Participant.objects.get(pk=p.pk)
    assert (fresh.given_names, fresh.first_surname) == ("Zelda", "Quintero")
    assert fresh.date_of_birth == date(1990, 1, 2)
    assert Participant.objects.filter(second_surname="").count() == 0  # blank compares


@pytest.mark.django_db
def test_a_lookup_on_ciphertext_is_refused_loudly(world: World) -> None:
    with pytest.raises(TypeError, match="blind index"):
        list(Participant.objects.filter(a_number="123456789"))
    with pytest.raises(TypeError, match="blind index"):
        list(Participant.objects.filter(first_surname__icontains="ana"))


@pytest.mark.django_db
def test_reencrypt_moves_every_value_to_the_current_key(world: World, settings: Any) -> None:
    p, _ = participant_with_case(world.office_a, world.users["case_officer"])
    Alias.objects.create(participant=p, given_names="Ana", first_surname="Perez")
    before = key_usage(Participant)
    settings.ATD_FIELD_KEYS = {**settings.ATD_FIELD_KEYS, "k77": b"q" * 48}
    settings.ATD_FIELD_KEY_ID = "k77"
    assert reencrypt_model(Participant) == sum(before.values())
    assert set(key_usage(Participant)) == {"k77"}
    assert reencrypt_model(Participant) == 0  # idempotent
    fresh = Participant.objects.get(pk=p.pk)
    assert fresh.given_names == "Ana" and fresh.date_of_birth == date(1990, 1, 2)


@pytest.mark.django_db
def test_reencrypt_seals_values_written_in_clear(world: World) -> None:
    p, _ = participant_with_case(world.office_a, world.users["case_officer"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_participant SET phone = %s WHERE id = %s", ["555", p.pk])
    assert Participant.objects.get(pk=p.pk).phone == "555"  # clear reads as it is
    assert key_usage(Participant).get("clear") == 1
    reencrypt_model(Participant)
    assert "clear" not in key_usage(Participant)
    assert Participant.objects.get(pk=p.pk).phone == "555"
