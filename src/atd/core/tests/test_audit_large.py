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
