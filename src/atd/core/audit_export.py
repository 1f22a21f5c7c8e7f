"""The audit entry of a bulk export: which records left the system, provably. The ids when
they fit in one entry; always their count and a SHA-256 over them, so a list too long to
name still has a fingerprint that a re-run of the export (or the filed file) can be checked
against."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from atd.core.audit import OBJECT_IDS_MAX, audit_record
from atd.core.models import AuditEntry

# OBJECT_IDS_MAX: what one entry's object_ids holds (audit_record names a longer list over
# several entries; an export names it only when it fits in one, and always its digest).


def export_ids_digest(ids: Iterable[Any]) -> tuple[str, int, str]:
    """(the ids joined in ascending order, their count, SHA-256 of that joined text)."""
    ordered = sorted({int(i) for i in ids})
    joined = ",".join(str(i) for i in ordered)
    return joined, len(ordered), hashlib.sha256(joined.encode()).hexdigest()


def export_audit_record(
    *, actor: Any, action: str, object_type: str, ids: Iterable[Any], reason: str
) -> AuditEntry:
    """One audit entry for an export that returned the records `ids` (of `object_type`)."""
    joined, count, digest = export_ids_digest(ids)
    named = len(joined) <= OBJECT_IDS_MAX
    note = f"{count} {object_type}(s) ids sha256={digest}" + ("" if named else " (ids not listed)")
    return audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_ids=joined if named else "",
        reason=f"{reason}; {note}"[:500],
    )
