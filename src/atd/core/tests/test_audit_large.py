"""An audit entry may name many objects (a list page, a bulk action) on every database."""

from __future__ import annotations

import pytest

from atd.core.actors import SYSTEM
from atd.core.audit import audit_record, audit_verify


@pytest.mark.django_db
def test_an_entry_naming_thousands_of_objects_is_stored_and_verifies() -> None:
    entry = audit_record(
        actor=SYSTEM, action="alert.raise", object_type="alert", object_ids=range(1, 3001)
    )
    assert entry.object_ids.startswith("1,2,3,") and len(entry.object_ids) > 10_000
    assert audit_verify().ok


@pytest.mark.django_db
def test_ids_longer_than_one_entry_are_named_over_consecutive_entries_never_cut() -> None:
    """A supervisor's fleet map names ~10,000 participants (~60,000 characters): every id is
    named, whole, in entries written together that a search by object id finds."""
    from atd.core.audit import OBJECT_IDS_MAX
    from atd.core.audit_selectors import AuditFilters, audit_search_read
    from atd.core.models import AuditEntry

    ids = list(range(100_000, 110_000))
    first = audit_record(
        actor=SYSTEM, action="fleet.read", object_type="participant", object_ids=ids, reason="map"
    )
    entries = list(AuditEntry.objects.filter(action="fleet.read").order_by("id"))
    assert first.id == entries[0].id and len(entries) == 4  # 69,999 characters
    assert all(0 < len(e.object_ids) <= OBJECT_IDS_MAX for e in entries)
    assert [e.reason for e in entries] == [f"map (ids part {n} of 4)" for n in range(1, 5)]
    named = [int(i) for e in entries for i in e.object_ids.split(",")]
    assert named == ids  # whole ids, none lost, none cut in two
    assert [e.id for e in entries] == list(range(entries[0].id, entries[0].id + 4))
    found, count = audit_search_read(
        actor=SYSTEM, filters=AuditFilters(object_id="109999"), offset=0, limit=10
    )
    assert count == 1 and found[0].id == entries[-1].id
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_short_list_stays_one_entry_with_its_reason() -> None:
    from atd.core.models import AuditEntry

    audit_record(actor=SYSTEM, action="x.read", object_type="thing", object_ids=[3, 1, 2])
    entry = AuditEntry.objects.get(action="x.read")
    assert entry.object_ids == "3,1,2" and entry.reason == ""
