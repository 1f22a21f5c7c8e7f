"""The append-only audit log: record one entry, verify the hash chain, search it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from atd.core import clock, request_context
from atd.core.actors import Actor, actor_for
from atd.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "role",
    "action",
    "object_type",
    "object_ids",
    "outcome",
    "reason",
    "request_id",
    "source_ip",
    "prev_hash",
)


def _canonical(values: dict[str, Any]) -> bytes:
    parts = []
    for name in _FIELDS:
        value = values[name]
        if name == "at":
            value = value.isoformat(timespec="microseconds")
        parts.append("" if value is None else str(value).replace("\x1f", " "))
    return "\x1f".join(parts).encode()


def entry_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(values)).hexdigest()


def _object_ids(ids: Iterable[Any] | Any) -> str:
    if ids is None:
        return ""
    if isinstance(ids, str | int):
        return str(ids)
    return ",".join(str(i) for i in ids)


# Entries of one page's reads, written together when the page is done (see audit_batch).
_pending: ContextVar[list[dict[str, Any]] | None] = ContextVar("audit_pending", default=None)


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_ids: Iterable[Any] | Any = (),
    outcome: str = "ok",
    reason: str = "",
) -> AuditEntry:
    """Appends one entry. Joins the caller's transaction, so a rolled-back change leaves no
    entry; reads call it outside one and get their own short transaction (or, inside
    `audit_batch`, one shared transaction at the end of the batch)."""
    who: Actor = actor_for(actor)
    ctx = request_context.current()
    values: dict[str, Any] = {
        "at": clock.now(),
        "actor_id": who.id,
        "actor_label": who.label[:150],
        "role": str(who.role)[:32],
        "action": action[:64],
        "object_type": object_type[:64],
        "object_ids": _object_ids(object_ids)[:20000],
        "outcome": outcome[:16],
        "reason": (reason or "")[:500],
        "request_id": ctx.request_id[:64],
        "source_ip": ctx.source_ip[:64],
        "client_request_id": ctx.client_request_id[:64],
    }
    pending = _pending.get()
    if pending is not None and not transaction.get_connection().in_atomic_block:
        pending.append(values)
        return AuditEntry(**values)  # not saved yet: written when the batch ends
    return _append([values], stamp=True)[0]


def _append(batch: list[dict[str, Any]], *, stamp: bool = False) -> list[AuditEntry]:
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        entries = []
        for item in batch:
            values = {**item, "id": head.last_id + 1, "prev_hash": head.last_hash}
            if stamp:  # a single entry is timed under the lock, so time follows the chain
                values["at"] = clock.now()
            values["hash"] = entry_hash(values)
            entries.append(AuditEntry(**values))
            head.last_id = values["id"]
            head.last_hash = values["hash"]
            head.count += 1
        AuditEntry.objects.bulk_create(entries)
        head.save(update_fields=["last_id", "last_hash", "count"])
    return entries


@contextmanager
def audit_batch() -> Iterator[None]:
    """The reads audited inside are written as one transaction when the block ends (one
    chain-head lock and one commit instead of one each): for pages that show many apps'
    data. Entries keep their own time and order; they are written even if the block raises.
    Entries recorded inside a transaction (changes) are still written at once, in it."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set([])
    try:
        yield
    finally:
        batch = _pending.get() or []
        _pending.reset(token)
        if batch:
            _append(batch)


@dataclass
class AuditVerification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify(*, progress: Any = None) -> AuditVerification:
    """Walks the chain in id order. An edited row breaks its own hash; a deleted row breaks
    the next row's link (or, at the tail, the head's count and hash)."""
    result = AuditVerification()
    previous_hash = GENESIS
    expected_id = 1
    rows = AuditEntry.objects.order_by("id").values(*_FIELDS, "hash")
    for row in rows.iterator(chunk_size=5000):
        if row["id"] != expected_id:
            result.problems.append(f"entries {expected_id}..{row['id'] - 1} are missing")
        if row["prev_hash"] != previous_hash:
            result.problems.append(f"entry {row['id']}: link to the previous entry is broken")
        if entry_hash(row) != row["hash"]:
            result.problems.append(f"entry {row['id']}: contents do not match its hash")
        previous_hash = row["hash"]
        expected_id = row["id"] + 1
        result.checked += 1
        if progress is not None:
            progress(1)
        if len(result.problems) > 100:
            result.problems.append("more than 100 problems; stopped")
            return result
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None:
        if head.count != result.checked:
            result.problems.append(
                f"the chain head counts {head.count} entries but {result.checked} exist"
            )
        if head.last_hash != previous_hash:
            result.problems.append("the last entry does not match the chain head")
    elif result.checked:
        result.problems.append("entries exist but the chain head is missing")
    return result
