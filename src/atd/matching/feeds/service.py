"""feed_import: one delivery becomes one FeedBatch; each good row a BookingRecord, once."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import ValidationFailed
from atd.matching.models import BookingRecord, FeedBatch, FeedRowError
from atd.matching.rules import BookingInput, RowProblems, booking_row_parse

SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass
class FeedImportResult:
    batch: FeedBatch
    record_ids: list[int]


def feed_source_validate(source: str) -> str:
    value = (source or "").strip().lower()
    if not SOURCE_RE.match(value):
        raise ValidationFailed(
            detail="source must be 1-64 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    return value


@transaction.atomic
def feed_import(
    *,
    actor: Any,
    source: str,
    rows: list[Any],
    channel: str,
    filename: str = "",
    content: bytes = b"",
    max_rows: int = 200_000,
) -> FeedImportResult:
    """Idempotent per (source, booking id): the unique constraint decides, so a redelivery or
    two concurrent deliveries of one booking store it once. Bad rows are recorded one by one
    (row, field, reason) and never stop the good ones."""
    source = feed_source_validate(source)
    if len(rows) > max_rows:
        raise ValidationFailed(detail=f"a delivery may hold at most {max_rows} records")
    now = clock.now()
    batch = FeedBatch.objects.create(
        source=source,
        channel=channel,
        filename=filename[:300],
        content_sha256=hashlib.sha256(content).hexdigest(),
        received_at=now,
        actor_label=actor_for(actor).label[:150],
        rows_total=len(rows),
    )
    errors: list[FeedRowError] = []
    good: dict[str, BookingInput] = {}
    duplicates_in_delivery = 0
    for number, row in enumerate(rows, start=1):
        parsed = booking_row_parse(row, today=now.date())
        if isinstance(parsed, RowProblems):
            errors.extend(
                FeedRowError(batch=batch, row_number=number, field=f, reason=r)
                for f, r in parsed.problems
            )
            continue
        errors.extend(
            FeedRowError(batch=batch, row_number=number, field=f, reason=r, row_rejected=False)
            for f, r in parsed.warnings
        )
        if parsed.booking_id in good:
            duplicates_in_delivery += 1
            continue
        good[parsed.booking_id] = parsed
    FeedRowError.objects.bulk_create(errors, batch_size=1000)
    existing: set[str] = set()
    ids = list(good)
    for start in range(0, len(ids), 900):
        existing.update(
            BookingRecord.objects.filter(
                source=source, booking_id__in=ids[start : start + 900]
            ).values_list("booking_id", flat=True)
        )
    new = [
        BookingRecord(
            source=source,
            booking_id=b.booking_id,
            booking_date=b.booking_date,
            agency=b.agency,
            given_names=b.given_names,
            first_surname=b.first_surname,
            second_surname=b.second_surname,
            name_as_recorded=b.name_as_recorded,
            date_of_birth=b.date_of_birth,
            date_of_birth_recorded=b.date_of_birth_recorded,
            sex=b.sex,
            address=b.address,
            city=b.city,
            postal_code=b.postal_code,
            charges=list(b.charges),
            fingerprint_id=b.fingerprint_id,
            batch=batch,
            received_at=now,
        )
        for b in good.values()
        if b.booking_id not in existing
    ]
    # ignore_conflicts: a concurrent delivery of the same booking loses quietly to the first.
    BookingRecord.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    imported = BookingRecord.objects.filter(batch=batch).count()
    batch.rows_imported = imported
    batch.rows_rejected = len({e.row_number for e in errors if e.row_rejected})
    batch.rows_unchanged = len(rows) - imported - batch.rows_rejected
    batch.save(update_fields=["rows_imported", "rows_rejected", "rows_unchanged"])
    audit_record(
        actor=actor,
        action="matching.feed_import",
        object_type="feed_batch",
        object_ids=[batch.pk],
        reason=(
            f"source={source} rows={len(rows)} imported={imported} "
            f"unchanged={batch.rows_unchanged} rejected={batch.rows_rejected}"
        ),
    )
    record_ids = list(BookingRecord.objects.filter(batch=batch).values_list("pk", flat=True))
    return FeedImportResult(batch=batch, record_ids=record_ids)
