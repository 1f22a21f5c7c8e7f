"""Phone-number changes: validated, one transaction, audited, the old number kept as history."""

from __future__ import annotations

import pytest

from atd.core.errors import NotFound, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.people.models import Participant, PhoneChange
from atd.people.services import participant_phone_change
from atd.testing.world import World

pytestmark = pytest.mark.django_db


def _officer(world: World) -> tuple[object, Scope]:
    user = world.users["case_officer"]
    return user, Scope.for_user(user)


def test_phone_change_replaces_the_number_and_keeps_the_old_one(world: World) -> None:
    participant = world.participants["officer_a"]
    Participant.objects.filter(pk=participant.pk).update(phone="(312) 555-0100")
    user, scope = _officer(world)
    change = participant_phone_change(
        actor=user, scope=scope, participant_id=participant.pk, phone=" 312 555 0199", reason="call"
    )
    assert change is not None
    participant.refresh_from_db()
    assert participant.phone == "+13125550199"  # stored in E.164
    history = PhoneChange.objects.get(participant=participant)
    assert (history.old_phone, history.new_phone, history.reason) == (
        "(312) 555-0100",
        "+13125550199",
        "call",
    )
    entry = AuditEntry.objects.filter(action="participant.phone_change").get()
    assert entry.object_ids == str(participant.pk)
    # The audit log says who, what and why; the number itself stays in the record only.
    assert "0199" not in entry.reason


def test_same_number_written_differently_records_nothing(world: World) -> None:
    participant = world.participants["officer_a"]
    Participant.objects.filter(pk=participant.pk).update(phone="(312) 555-0100")
    user, scope = _officer(world)
    assert (
        participant_phone_change(
            actor=user, scope=scope, participant_id=participant.pk, phone="312.555.0100", reason="x"
        )
        is None
    )
    assert not PhoneChange.objects.exists()
    assert not AuditEntry.objects.filter(action="participant.phone_change").exists()


@pytest.mark.parametrize(("phone", "reason"), [("not a number", "why"), ("312 555 0199", " ")])
def test_bad_phone_or_missing_reason_is_refused_and_changes_nothing(
    world: World, phone: str, reason: str
) -> None:
    participant = world.participants["officer_a"]
    before = Participant.objects.get(pk=participant.pk).phone
    user, scope = _officer(world)
    with pytest.raises(ValidationFailed):
        participant_phone_change(
            actor=user, scope=scope, participant_id=participant.pk, phone=phone, reason=reason
        )
    assert Participant.objects.get(pk=participant.pk).phone == before
    assert not PhoneChange.objects.exists()


def test_officer_cannot_change_the_phone_of_another_office_participant(world: World) -> None:
    user, scope = _officer(world)
    with pytest.raises(NotFound):
        participant_phone_change(
            actor=user,
            scope=scope,
            participant_id=world.participants["office_b"].pk,
            phone="312 555 0199",
            reason="call",
        )
    assert not PhoneChange.objects.exists()


def test_a_number_phonenumbers_finds_invalid_is_kept_as_written(world: World) -> None:
    participant = world.participants["officer_a"]
    user, scope = _officer(world)
    participant_phone_change(
        actor=user, scope=scope, participant_id=participant.pk, phone="555 0123", reason="call"
    )
    participant.refresh_from_db()
    assert participant.phone == "555 0123"


def test_the_data_migration_rewrites_valid_numbers_in_e164_and_keeps_the_others(
    world: World,
) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("atd.people.migrations.0004_phone_numbers_e164")
    a, b = world.participants["officer_a"], world.participants["office_b"]
    Participant.objects.filter(pk=a.pk).update(phone="(312) 555-0100")
    Participant.objects.filter(pk=b.pk).update(phone="555 0123")
    migration.phones_to_e164(apps, None)
    assert Participant.objects.get(pk=a.pk).phone == "+13125550100"
    assert Participant.objects.get(pk=b.pk).phone == "555 0123"  # kept, flagged on the page
