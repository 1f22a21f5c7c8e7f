"""The append-only audit log: record one entry, verify the keyed hash chain, sign checkpoints."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet

from atd.core import clock, request_context
from atd.core.actors import Actor, actor_for
from atd.core.audit_chain import (
    FIELDS,
    GENESIS,
    AuditCheckpoint,
    audit_keys,
    audit_signing_key,
    checkpoint_append,
    checkpoint_path,
    checkpoint_sign,
    checkpoint_signature_ok,
    checkpoints_read,
    entry_hash,
)
from atd.core.errors import NotFound
from atd.core.models import AuditChainHead, AuditEntry

_Row = TypeVar("_Row", bound=Model)


# Characters of ids one entry holds. A longer list is never cut: it is named over several
# consecutive entries (see _id_parts), so a search by object id still finds every read.
OBJECT_IDS_MAX = 20_000


def _object_ids(ids: Iterable[Any] | Any) -> str:
    if ids is None:
        return ""
    if isinstance(ids, str | int):
        return str(ids)
    return ",".join(map(str, ids))


def _id_parts(text: str) -> list[str]:
    """The id list in parts of at most OBJECT_IDS_MAX characters, each cut at a comma (whole
    ids only). A supervisor's fleet map names 10,000 participants (~60,000 characters)."""
    parts: list[str] = []
    while len(text) > OBJECT_IDS_MAX:
        cut = text.rfind(",", 0, OBJECT_IDS_MAX + 1)
        if cut <= 0:  # no comma: not a list of ids; kept whole rather than cut mid-value
            break
        parts.append(text[:cut])
        text = text[cut + 1 :]
    parts.append(text)
    return parts


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
    `audit_batch`, one shared transaction at the end of the batch).

    Ids longer than one entry holds (OBJECT_IDS_MAX characters) are named over consecutive
    entries written together, the reason of each ending "(ids part i of n)"; the first is
    returned."""
    who: Actor = actor_for(actor)
    ctx = request_context.current()
    values: dict[str, Any] = {
        "at": clock.now(),
        "actor_id": who.id,
        "actor_label": who.label[:150],
        "role": str(who.role)[:32],
        "action": action[:64],
        "object_type": object_type[:64],
        "object_ids": "",
        "outcome": outcome[:16],
        "reason": (reason or "")[:500],
        "request_id": ctx.request_id[:64],
        "source_ip": ctx.source_ip[:64],
        "client_request_id": ctx.client_request_id[:64],
    }
    parts = _id_parts(_object_ids(object_ids))
    if len(parts) == 1:
        batch = [{**values, "object_ids": parts[0]}]
    else:
        batch = [
            {
                **values,
                "object_ids": part,
                "reason": f"{(reason or '')[:470]} (ids part {n} of {len(parts)})".lstrip(),
            }
            for n, part in enumerate(parts, start=1)
        ]
    pending = _pending.get()
    if pending is not None and not transaction.get_connection().in_atomic_block:
        pending.extend(batch)
        return AuditEntry(**batch[0])  # not saved yet: written when the batch ends
    return _append(batch, stamp=True)[0]


def read_one_audited(
    queryset: QuerySet[_Row],
    *,
    pk: int,
    actor: Any,
    action: str,
    object_type: str,
    reason: str = "",
) -> _Row:
    """One row of a queryset already narrowed to the caller's scope, and the audit entry for
    reading it. A row that is absent and one out of scope look the same: both are audited as
    `not_found` and raise NotFound (404), so the answer tells the caller nothing."""
    row = queryset.filter(pk=pk).first()
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_ids=[pk],
        outcome="ok" if row is not None else "not_found",
        reason=reason,
    )
    if row is None:
        raise NotFound()
    return row


def _append(batch: list[dict[str, Any]], *, stamp: bool = False) -> list[AuditEntry]:
    key_id, key = audit_signing_key()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        entries = []
        for item in batch:
            values = {
                **item,
                "id": head.last_id + 1,
                "prev_hash": head.last_hash,
                "key_id": key_id,
            }
            if stamp:  # a single entry is timed under the lock, so time follows the chain
                values["at"] = clock.now()
            values["hash"] = entry_hash(values, key=key)
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


class AuditChainBroken(RuntimeError):
    """The chain failed verification, so no checkpoint was signed over it."""


@dataclass
class AuditVerification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    # Facts that are not tampering but an auditor should know (e.g. no checkpoint file yet).
    notes: list[str] = field(default_factory=list)
    last_id: int = 0
    last_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems


_MAX_PROBLEMS = 100


def _walk(
    rows: Iterable[Mapping[str, Any]],
    result: AuditVerification,
    *,
    keys: Mapping[str, bytes],
    on_row: Callable[[Mapping[str, Any]], None] | None = None,
) -> bool:
    """Checks each row's link, id sequence and keyed hash, continuing from `result.last_id` and
    `result.last_hash`. False when it stopped at too many problems."""
    for row in rows:
        expected_id = result.last_id + 1
        if row["id"] != expected_id:
            result.problems.append(f"entries {expected_id}..{row['id'] - 1} are missing")
        if row["prev_hash"] != result.last_hash:
            result.problems.append(f"entry {row['id']}: link to the previous entry is broken")
        key = keys.get(row["key_id"])
        if key is None:
            result.problems.append(
                f"entry {row['id']}: signed with unknown key id {row['key_id']!r}"
            )
        elif not _hash_matches(row, key):
            result.problems.append(f"entry {row['id']}: contents do not match its hash")
        result.last_hash = row["hash"]
        result.last_id = row["id"]
        result.checked += 1
        if on_row is not None:
            on_row(row)
        if len(result.problems) > _MAX_PROBLEMS:
            result.problems.append(f"more than {_MAX_PROBLEMS} problems; stopped")
            return False
    return True


def _hash_matches(row: Mapping[str, Any], key: bytes) -> bool:
    return hmac.compare_digest(entry_hash(row, key=key), row["hash"])


def _rows(after_id: int = 0, up_to_id: int | None = None) -> Iterator[dict[str, Any]]:
    rows = AuditEntry.objects.filter(id__gt=after_id).order_by("id")
    if up_to_id is not None:
        rows = rows.filter(id__lte=up_to_id)
    return rows.values(*FIELDS, "hash").iterator(chunk_size=5000)


def _chain_id() -> str:
    """The chain's identity: the keyed hash of its first entry (a database that was reset starts
    a new chain, and the checkpoints of the old one are not about it)."""
    first = AuditEntry.objects.filter(id=1).values_list("hash", flat=True).first()
    return first or ""


def audit_verify(*, progress: Any = None, checkpoints: Path | None = None) -> AuditVerification:
    """Walks the chain in id order and checks it against the signed checkpoints kept outside
    the database. An edited row breaks its own keyed hash (and nobody without the key can
    recompute it); a deleted row breaks the next row's link; a deleted tail breaks the head's
    count and hash, and, even when the head row is rewritten to match, the checkpoints that
    named the deleted entries."""
    result = AuditVerification()
    keys = audit_keys()
    path = checkpoints or checkpoint_path()
    stored, file_problems = checkpoints_read(path)
    result.problems.extend(file_problems)
    chain_id = _chain_id()
    ours: dict[int, list[AuditCheckpoint]] = {}
    other_chains = 0
    for checkpoint in stored:
        if not checkpoint_signature_ok(checkpoint, keys):
            result.problems.append(
                f"checkpoint of {checkpoint.at}: signature does not match (forged or edited,"
                f" or signed with an unknown key id {checkpoint.key_id!r})"
            )
        elif checkpoint.chain_id != chain_id:
            other_chains += 1
        else:
            ours.setdefault(checkpoint.last_id, []).append(checkpoint)
    matched: set[int] = set()

    def check_checkpoints(row: Mapping[str, Any]) -> None:
        for checkpoint in ours.get(row["id"], ()):
            matched.add(row["id"])
            if checkpoint.last_hash != row["hash"] or checkpoint.count != result.checked:
                result.problems.append(
                    f"entry {row['id']}: differs from the checkpoint of {checkpoint.at}"
                )
        if progress is not None:
            progress(1)

    if not _walk(_rows(), result, keys=keys, on_row=check_checkpoints):
        return result
    for last_id, checkpoints_at in sorted(ours.items()):
        if last_id not in matched:
            result.problems.append(
                f"the checkpoint of {checkpoints_at[0].at} names entry {last_id}, which is"
                " missing: entries were deleted"
            )
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None:
        if head.count != result.checked:
            result.problems.append(
                f"the chain head counts {head.count} entries but {result.checked} exist"
            )
        if head.last_hash != result.last_hash:
            result.problems.append("the last entry does not match the chain head")
    elif result.checked:
        result.problems.append("entries exist but the chain head is missing")
    if not stored:
        result.notes.append(f"no checkpoints at {path}: deletions of the newest entries since")
    else:
        covered = max(ours) if ours else 0
        result.notes.append(
            f"{sum(len(c) for c in ours.values())} checkpoint(s) checked; entries after"
            f" {covered} are not yet covered by a checkpoint"
        )
    if other_chains:
        result.notes.append(
            f"{other_chains} checkpoint(s) in {path} belong to another chain (a database that"
            " was reset or another installation) and were not applied"
        )
    return result


def audit_checkpoint_write(*, path: Path | None = None) -> AuditCheckpoint | None:
    """Signs the current chain head and appends it to the checkpoint file, after verifying the
    entries added since the previous checkpoint (so a checkpoint never blesses a chain that was
    edited or cut since the last one). None when nothing was added. Raises AuditChainBroken
    when verification fails: the job's failure is the alarm."""
    path = path or checkpoint_path()
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None or head.count == 0:
        return None
    keys = audit_keys()
    chain_id = _chain_id()
    stored, _ = checkpoints_read(path)
    previous = next(
        (
            c
            for c in reversed(stored)
            if c.chain_id == chain_id and checkpoint_signature_ok(c, keys)
        ),
        None,
    )
    if previous is not None and previous.last_id == head.last_id:
        return None
    result = AuditVerification()
    if previous is not None:
        anchor = AuditEntry.objects.filter(id=previous.last_id).values_list("hash", flat=True)
        if anchor.first() != previous.last_hash:
            result.problems.append(
                f"entry {previous.last_id} no longer matches the checkpoint of {previous.at}"
            )
        result.last_id, result.last_hash = previous.last_id, previous.last_hash
        result.checked = previous.count
    _walk(_rows(result.last_id, head.last_id), result, keys=keys)
    if result.last_id != head.last_id or result.last_hash != head.last_hash:
        result.problems.append("the chain head does not match the last entry")
    if result.checked != head.count:
        result.problems.append(
            f"the chain head counts {head.count} entries, {result.checked} exist"
        )
    if not result.ok:
        raise AuditChainBroken("; ".join(result.problems[:10]))
    key_id, key = audit_signing_key()
    checkpoint = checkpoint_sign(
        AuditCheckpoint(
            at=clock.now().isoformat(timespec="seconds"),
            chain_id=chain_id,
            last_id=head.last_id,
            last_hash=head.last_hash,
            count=head.count,
            key_id=key_id,
        ),
        key_id=key_id,
        key=key,
    )
    checkpoint_append(checkpoint, path)
    return checkpoint


def audit_checkpoint_job() -> None:
    """The periodic job (registered by core's AppConfig): one checkpoint if the chain moved."""
    audit_checkpoint_write()
