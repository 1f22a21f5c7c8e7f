"""No sensitive value in a database dump (issue 16 item 8, ADR 0021).

Canary values go into every encrypted field of every model (found by type, so a field added
later is covered), and through the real paths that derive data from them (enrolment, alias,
address and phone changes, an SMS opt-out, matching's blocking keys, the search tokens);
`pg_dump` of the whole database must not contain any canary, in any table, in any case, folded
or hex-encoded. `SENSITIVE` names the fields that must be encrypted: a field taken off the
encrypted types fails here even when no canary would have reached it."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from django.apps import apps
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
from atd.matching.models import BlockingKey
from atd.people import services as people_services
from atd.people.models import Address, Alias, Participant
from atd.people.rules import AddressInput
from atd.testing.services import require_postgres
from atd.testing.world import World, participant_with_case

CANARY_TEXT = "Qzxcanaryvwy"
CANARY_DATE = date(1911, 11, 11)
CANARY_DIGITS = "918273645"
CANARY_PHONE = "+16175550187"  # a valid number (the SMS paths parse it), found by its digits
CANARY_BYTES = b"\xff\xd8QZXCANARYPHOTOVWY"

# Every personal field of the schema that is encrypted at rest (ADR 0021 lists them and what
# stays clear). A new personal field belongs here and on an encrypted type.
SENSITIVE: dict[str, tuple[str, ...]] = {
    "people.Participant": (
        "a_number",
        "given_names",
        "first_surname",
        "second_surname",
        "date_of_birth",
        "phone",
        "email",
    ),
    "people.Alias": ("given_names", "first_surname", "second_surname", "date_of_birth"),
    "people.PhoneChange": ("old_phone", "new_phone"),
    "people.Address": ("line1", "unit", "postal_code"),
    "people.LocateReferral": ("note", "outcome_note"),
    "people.LocateAttempt": ("place", "note"),
    "checkins.Checkin": ("note", "questionnaire"),
    "checkins.CheckinPhoto": ("data",),
    "checkins.EnrolmentPhoto": ("data",),
    "checkins.IdentityReview": ("note",),
    "checkins.IdentityFollowUp": ("done_note",),
    "checkins.LadderMiss": ("note",),
    "checkins.LadderTask": ("note",),
    "alerts.Alert": ("resolution_note", "evidence"),
    "alerts.AlertTransition": ("note",),
    "alerts.Notification": ("subject", "body"),
    "alerts.DeliveryAttempt": ("error",),
    "alerts.OfficerAlertPreference": ("phone",),
    "alerts.SmsOptOut": ("number",),
    "court.Hearing": ("outcome_note",),
    "court.LegalStatusEvent": ("note",),
    "court.DepartureCase": ("note", "participant_statement", "verification_note"),
    "reviews.ReviewRequest": ("statement", "reason_text"),
    "reviews.ReviewAppeal": ("statement", "reason_text"),
    "matching.BookingRecord": (
        "given_names",
        "first_surname",
        "second_surname",
        "name_as_recorded",
        "date_of_birth",
        "date_of_birth_recorded",
        "address",
        "postal_code",
    ),
    "matching.MatchCandidate": ("verification_note", "decision_reason", "explanation"),
    "scheduling.StaffAvailability": ("note",),
    "scheduling.Appointment": ("cancel_reason",),
    "supervision.DeviceTask": ("note",),
    "supervision.PlanChange": ("reason",),
    "telemetry.LegalHold": ("reason",),
    "reporting.GeneratedReport": ("content",),
}

# Tables whose canaries are known and owned elsewhere. Each entry says who and why. None now:
# matching's blocking keys are blind indexes and sealed features (ADR 0009, amendment 2).
EXCLUDED_TABLES: set[str] = set()

ENCRYPTED_TYPES = (EncryptedTextField, EncryptedDateField, EncryptedBinaryField, EncryptedJSONField)


def _filler(field: models.Field[Any, Any], n: int) -> Any:
    """A valid value for a required field of a row made only to carry canaries."""
    if isinstance(field, EncryptedBinaryField):
        return CANARY_BYTES + bytes([n % 256])
    if isinstance(field, EncryptedDateField):
        return CANARY_DATE
    if isinstance(field, EncryptedJSONField):
        return {"phone_new": CANARY_PHONE, "employer": CANARY_TEXT, "dob": CANARY_DIGITS}
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
    if isinstance(field, models.TimeField):
        return timezone.now().time()
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b"x"
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
            if not isinstance(field, ENCRYPTED_TYPES):
                continue
        values[field.name] = _filler(field, n)
    obj = model.objects.create(**values)
    _made[model] = obj
    return obj  # type: ignore[no-any-return]


def _canaries_everywhere(world: World) -> int:
    """Writes the canaries; returns how many encrypted fields were filled."""
    from atd.alerts.models import SmsOptOut, phone_index
    from atd.alerts.services.sms_replies import sms_reply_record

    _made.clear()
    _one_to_one_used.clear()
    # Through the people services: what enrolment, search and matching derive from the values.
    p, _ = participant_with_case(
        world.office_a, world.users["case_officer"], given=CANARY_TEXT, surname=CANARY_TEXT
    )
    Participant.objects.filter(pk=p.pk).update(
        a_number=CANARY_DIGITS,
        second_surname=CANARY_TEXT,
        date_of_birth=CANARY_DATE,
        phone=CANARY_PHONE,
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
    # The participant's number replies STOP: the opt-out row is found by its blind index.
    assert sms_reply_record(sender=CANARY_PHONE, body="STOP", reply_ref="SMcanary") == "stop"
    assert [o.number for o in SmsOptOut.objects.all()] == [CANARY_PHONE]
    assert SmsOptOut.objects.filter(number_index=phone_index(CANARY_PHONE)).exists()
    # Matching's blocking keys of the participant (clear until the lead's linkage redesign).
    blocking_keys_refresh([p.pk])
    # Every other encrypted field of every model, with a row made for it when none exists.
    filled = 0
    for model in models_with_encrypted_fields():
        fields = encrypted_fields(model)
        if model in (Participant, Alias, Address, SmsOptOut):
            filled += len(fields)
            continue  # written above through the services
        row = _made.get(model) or _row(model)
        updates = {field.name: _filler(field, n) for n, field in enumerate(fields)}
        model.objects.filter(pk=row.pk).update(**updates)
        filled += len(fields)
    return filled


def _admin() -> Any:
    from atd.core.scope import Scope

    return Scope(role="admin", user_id=None, office_id=None)


def _needles() -> list[bytes]:
    words = [
        CANARY_TEXT,
        CANARY_DIGITS,
        CANARY_DIGITS[:5],
        CANARY_PHONE[2:],  # the ten digits, with or without the country code
        CANARY_DATE.isoformat(),
        "11/11/1911",
        "QZXCANARYPHOTOVWY",
    ]
    out = [w.lower().encode() for w in words]
    out += [w.lower().encode().hex().encode() for w in words]  # bytea is dumped as hex
    return out


def _tables_of(dump: bytes) -> dict[str, bytes]:
    """The dump cut per table (each COPY block's rows); "(schema)" holds everything else."""
    out: dict[str, bytes] = {}
    rest: list[bytes] = []
    pattern = re.compile(
        rb"^COPY public\.\"?([a-z0-9_]+)\"? \(.*?\) FROM stdin;\n(.*?)^\\\.$", re.M | re.S
    )
    last = 0
    for match in pattern.finditer(dump):
        rest.append(dump[last : match.start()])
        out[match.group(1).decode()] = match.group(2)
        last = match.end()
    rest.append(dump[last:])
    out["(schema)"] = b"".join(rest)
    return out


def _pg_dump() -> bytes:
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
    return subprocess.run(
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


@pytest.mark.django_db(transaction=True)
def test_pg_dump_holds_no_sensitive_canary(world: World) -> None:
    require_postgres()
    if shutil.which("pg_dump") is None:
        message = "needs the pg_dump binary on PATH (apt-get install postgresql-client)"
        if os.environ.get("ATD_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    filled = _canaries_everywhere(world)
    assert filled >= sum(len(f) for f in SENSITIVE.values())
    # The values are really stored, and open through the application.
    opened = [x for x in Participant.objects.all() if x.first_surname == CANARY_TEXT]
    assert opened and opened[0].a_number == CANARY_DIGITS
    assert opened[0].date_of_birth == CANARY_DATE
    tables = _tables_of(_pg_dump())
    assert "people_participant" in tables  # it is a dump of this database
    assert b"Springfield" in tables["people_address"]  # positive control: a clear column (city)
    # The canary participant's blocking keys are in the dump (keyed and sealed, checked below).
    assert "matching_blockingkey" in tables
    assert BlockingKey.objects.filter(participant_id=opened[0].pk).exists()
    needles = _needles()
    found = {
        table: [n.decode() for n in needles if n in text.lower()]
        for table, text in tables.items()
        if table not in EXCLUDED_TABLES
    }
    found = {table: hits for table, hits in found.items() if hits}
    assert not found, f"canaries found in pg_dump: {found}"


def test_every_sensitive_field_is_encrypted() -> None:
    """The personal fields named above are on an encrypted field type (a change of type, or a
    personal field renamed, fails here), and the canary writer reaches every model that has an
    encrypted field (found by type: no list to forget)."""
    not_encrypted = []
    for label, names in SENSITIVE.items():
        model = apps.get_model(label)
        for name in names:
            if not isinstance(model._meta.get_field(name), ENCRYPTED_TYPES):
                not_encrypted.append(f"{label}.{name}")
    assert not not_encrypted, f"personal fields stored in clear: {not_encrypted}"
    names = {m._meta.label for m in models_with_encrypted_fields()}
    assert set(SENSITIVE) <= names
