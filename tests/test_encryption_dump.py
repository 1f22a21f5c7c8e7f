"""No sensitive value in a database dump (issue 16, ADR 0021).

Canary values go into every encrypted field of every model (found by type, so a field added
later is covered), and through the real people paths (enrolment, alias, address, phone change,
matching's blocking keys, the search tokens); `pg_dump` of the whole database must not contain
any canary, in any case, folded or hex-encoded."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from django.db import connection, models
from django.utils import timezone

from atd.core.fieldcrypt import (
    EncryptedBinaryField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
    encrypted_fields,
    models_with_encrypted_fields,
)
from atd.matching.linkage.keys import blocking_keys_refresh
from atd.people import services as people_services
from atd.people.models import Address, Alias, Participant
from atd.people.rules import AddressInput
from atd.testing.services import require_postgres
from atd.testing.world import World, participant_with_case

CANARY_TEXT = "Qzxcanaryvwy"
CANARY_DATE = date(1911, 11, 11)
CANARY_DIGITS = "918273645"
CANARY_BYTES = b"\xff\xd8QZXCANARYPHOTOVWY"


def _filler(field: models.Field[Any, Any], n: int) -> Any:
    """A valid value for a required field of a row made only to carry canaries."""
    if isinstance(field, EncryptedBinaryField):
        return CANARY_BYTES + bytes([n % 256])
    if isinstance(field, EncryptedDateField):
        return CANARY_DATE
    if isinstance(field, EncryptedJSONField):
        return {"phone_new": f"+1 {CANARY_DIGITS}", "employer": CANARY_TEXT}
    if isinstance(field, EncryptedTextField):
        return f"{CANARY_TEXT} {n}"
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        return _row(field.related_model, one_to_one=isinstance(field, models.OneToOneField))
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return date(2026, 1, 1)
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.CharField | models.TextField):
        return f"f{next(_serial)}"[: field.max_length or 8]
    raise AssertionError(f"no filler for {field!r}")


_serial = itertools.count(1)
_made: dict[type[models.Model], models.Model] = {}
_one_to_one_used: set[type[models.Model]] = set()


def _row(model: Any, *, one_to_one: bool = False) -> models.Model:
    """An existing row of `model` (a fresh one when it is the target of a one-to-one)."""
    if one_to_one:
        if model in _made and model not in _one_to_one_used:
            _one_to_one_used.add(model)
            return _made[model]
    else:
        existing = model.objects.order_by("pk").first()
        if existing is not None:
            return existing  # type: ignore[no-any-return]
    values: dict[str, Any] = {}
    for n, field in enumerate(model._meta.concrete_fields):
        if field.primary_key or field.null or field.has_default():
            if not isinstance(
                field, EncryptedTextField | EncryptedDateField | EncryptedBinaryField
            ):
                continue
        values[field.name] = _filler(field, n)
    obj = model.objects.create(**values)
    _made[model] = obj
    return obj  # type: ignore[no-any-return]


def _canaries_everywhere(world: World) -> None:
    # Through the people services: what enrolment, search and matching derive from the values.
    p, _ = participant_with_case(
        world.office_a, world.users["case_officer"], given=CANARY_TEXT, surname=CANARY_TEXT
    )
    Participant.objects.filter(pk=p.pk).update(
        a_number=CANARY_DIGITS,
        second_surname=CANARY_TEXT,
        date_of_birth=CANARY_DATE,
        phone=f"+1 {CANARY_DIGITS}",
        email=f"{CANARY_TEXT.lower()}@example.org",
    )
    p.refresh_from_db()
    people_services.alias_add(
        actor=None,
        scope=_admin(),
        participant_id=p.pk,
        given_names=CANARY_TEXT,
        first_surname=f"{CANARY_TEXT}son",
    )
    Alias.objects.filter(participant=p).update(date_of_birth=CANARY_DATE)
    people_services.address_change(
        actor=None,
        scope=_admin(),
        participant_id=p.pk,
        address=AddressInput(
            line1=f"1 {CANARY_TEXT} Street",
            unit=f"Apt {CANARY_TEXT}",
            city="Springfield",
            state="IL",
            postal_code=CANARY_DIGITS[:5],
        ),
        reason="moved",
    )
    people_services.participant_phone_change(
        actor=None, scope=_admin(), participant_id=p.pk, phone="+1 312 555 0142", reason="new"
    )
    blocking_keys_refresh([p.pk])
    # Every other encrypted field of every model, with a row made for it when none exists.
    for model in models_with_encrypted_fields():
        row = _made.get(model) or _row(model)
        updates: dict[str, Any] = {}
        for n, field in enumerate(encrypted_fields(model)):
            if model in (Participant, Alias, Address):
                continue  # written above through the services
            updates[field.name] = _filler(field, n)
        if updates:
            model.objects.filter(pk=row.pk).update(**updates)


def _admin() -> Any:
    from atd.core.scope import Scope

    return Scope(role="admin", user_id=None, office_id=None)


def _needles() -> list[bytes]:
    words = [
        CANARY_TEXT,
        CANARY_TEXT.lower(),
        CANARY_TEXT.upper(),
        CANARY_DIGITS,
        CANARY_DIGITS[:5],
        CANARY_DATE.isoformat(),
        "1911-11-11",
        "QZXCANARYPHOTOVWY",
    ]
    out = [w.encode() for w in words]
    out += [w.encode().hex().encode() for w in words]  # bytea is dumped as hex
    return out


@pytest.mark.django_db(transaction=True)
def test_pg_dump_holds_no_sensitive_canary(world: World) -> None:
    require_postgres()
    if shutil.which("pg_dump") is None:
        pytest.skip("needs pg_dump on PATH")
    _canaries_everywhere(world)
    # The values are really stored, and open through the application.
    opened = [x for x in Participant.objects.all() if x.first_surname == CANARY_TEXT]
    assert opened and opened[0].a_number == CANARY_DIGITS
    assert opened[0].date_of_birth == CANARY_DATE
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            str(settings_dict.get("HOST") or "127.0.0.1"),
            "-p",
            str(settings_dict.get("PORT") or 5432),
            "-U",
            str(settings_dict.get("USER") or "postgres"),
            "--no-owner",
            str(settings_dict["NAME"]),
        ],
        capture_output=True,
        env=env,
        timeout=300,
        check=True,
    ).stdout
    assert b"COPY public.people_participant" in dump  # it is a dump of this database
    assert b"Springfield" in dump  # positive control: a clear column (city) is found
    lowered = dump.lower()
    found = [n for n in _needles() if n.lower() in lowered]
    assert not found, f"canaries found in pg_dump: {found}"


def test_the_dump_test_covers_every_encrypted_model() -> None:
    """The canary writer reaches every model that has an encrypted field (no list to forget)."""
    names = {m._meta.label for m in models_with_encrypted_fields()}
    assert {
        "people.Participant",
        "people.Alias",
        "people.Address",
        "checkins.CheckinPhoto",
    } <= names
