"""A page's reads audited in one batch: one entry per read, written together at the end in one
transaction, the chain intact; a change inside a transaction is still audited in it at once."""

from __future__ import annotations

import pytest
from django.db import transaction

from atd.core.actors import SYSTEM
from atd.core.audit import audit_batch, audit_record, audit_verify
from atd.core.models import AuditEntry


def _read(n: int) -> None:
    audit_record(actor=SYSTEM, action=f"test.read{n}", object_type="thing", object_ids=[n])


@pytest.mark.django_db(transaction=True)
def test_reads_in_a_batch_are_written_together_when_it_ends() -> None:
    with audit_batch():
        _read(1)
        _read(2)
        assert AuditEntry.objects.count() == 0  # not yet: one write at the end
        _read(3)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["test.read1", "test.read2", "test.read3"]
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_written_even_when_the_page_fails() -> None:
    with pytest.raises(RuntimeError), audit_batch():
        _read(1)
        raise RuntimeError("template error")
    assert AuditEntry.objects.filter(action="test.read1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_change_inside_a_batch_is_audited_in_its_own_transaction_at_once() -> None:
    with audit_batch():
        _read(1)
        with transaction.atomic():
            audit_record(actor=SYSTEM, action="test.change", object_type="thing", object_ids=[9])
        assert list(AuditEntry.objects.values_list("action", flat=True)) == ["test.change"]
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "test.change",
        "test.read1",
    ]
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_without_a_batch_each_read_is_written_at_once() -> None:
    _read(1)
    assert AuditEntry.objects.count() == 1
