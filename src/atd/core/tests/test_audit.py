"""The audit log is a hash chain: edits and deletions are detected."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from atd.core.actors import SYSTEM
from atd.core.audit import audit_record, audit_verify
from atd.core.models import AuditEntry
from atd.testing.services import require_postgres


def _three_entries() -> list[AuditEntry]:
    return [
        audit_record(actor=SYSTEM, action="test.one", object_type="thing", object_ids=[1]),
        audit_record(
            actor=SYSTEM, action="test.two", object_type="thing", object_ids=[2, 3], reason="why"
        ),
        audit_record(actor=SYSTEM, action="test.three", object_type="thing", object_ids=[4]),
    ]


def _raw(sql: str, params: list[int]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Simulates a database owner bypassing the append-only trigger.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_untouched_chain_verifies() -> None:
    _three_entries()
    result = audit_verify()
    assert result.ok, result.problems
    assert result.checked == 3


@pytest.mark.django_db
def test_edited_row_is_detected() -> None:
    entries = _three_entries()
    _raw("UPDATE core_auditentry SET reason = 'nothing to see' WHERE id = %s", [entries[1].id])
    result = audit_verify()
    assert not result.ok
    assert any(f"entry {entries[1].id}: contents" in p for p in result.problems)


@pytest.mark.django_db
def test_deleted_middle_row_is_detected() -> None:
    entries = _three_entries()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[1].id])
    result = audit_verify()
    assert not result.ok
    assert any("missing" in p for p in result.problems)
    assert any(f"entry {entries[2].id}: link" in p for p in result.problems)


@pytest.mark.django_db
def test_deleted_last_row_is_detected() -> None:
    entries = _three_entries()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[2].id])
    result = audit_verify()
    assert not result.ok
    assert any("chain head" in p for p in result.problems)


@pytest.mark.django_db
def test_entry_holds_no_personal_values_only_ids() -> None:
    entry = audit_record(
        actor=SYSTEM, action="participant.read", object_type="participant", object_ids=[7, 9]
    )
    assert entry.object_ids == "7,9"


@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_update_and_delete_of_audit_rows() -> None:
    require_postgres()
    entry = audit_record(actor=SYSTEM, action="test.pg", object_type="thing", object_ids=[1])
    from django.db.utils import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert audit_verify().ok
