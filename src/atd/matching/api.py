"""HTTP API of matching: feed deliveries (API key, scope matching_feed) and their batches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from atd.core.api import api_key_auth, require_key_scope, scope_of, session_auth
from atd.core.models import ApiKey
from atd.core.uploads import delivery_read
from atd.matching import selectors, services
from atd.matching.choices import FeedChannel
from atd.matching.feeds.readers import feed_rows_decode

router = Router(tags=["matching"])


class FeedRowErrorOut(Schema):
    row: int
    field: str
    reason: str
    rejected: bool


class FeedBatchOut(Schema):
    id: int
    source: str
    channel: str
    filename: str
    received_at: datetime
    rows_total: int
    rows_imported: int
    rows_unchanged: int
    rows_rejected: int
    linked_at: datetime | None
    candidates_found: int
    errors: list[FeedRowErrorOut]

    @staticmethod
    def resolve_errors(obj: Any) -> list[dict[str, Any]]:
        return [
            {"row": e.row_number, "field": e.field, "reason": e.reason, "rejected": e.row_rejected}
            for e in obj.row_errors.all()[:10_000]
        ]


@router.post(
    "/feeds/{source}/records",
    response={201: FeedBatchOut},
    # Session callers are authenticated only to be told 403: the feed is for API keys.
    auth=[api_key_auth, session_auth],
    summary="Deliver booking records (JSON array, {records: [...]}, NDJSON, or a CSV upload)",
)
def feed_records(request: HttpRequest, source: str, file: File[UploadedFile] | None = None) -> Any:
    key = require_key_scope(request, ApiKey.Scope.MATCHING_FEED)
    # ninja leaves an optional file beside a path parameter unset: read it from FILES too.
    upload: Any = file or request.FILES.get("file")
    delivery = delivery_read(request, upload)
    rows = feed_rows_decode(delivery.content, fmt=delivery.fmt)
    result = services.feed_import(
        actor=key,
        source=source,
        rows=rows,
        channel=FeedChannel.API if upload is None else FeedChannel(delivery.fmt),
        filename=delivery.name,
        content=delivery.content,
        max_rows=settings.ATD_MATCHING_FEED_MAX_ROWS,
    )
    return 201, result.batch


@router.get("/batches/{feed_batch_id}", response=FeedBatchOut)
def feed_batch_detail(request: HttpRequest, feed_batch_id: int) -> Any:
    return selectors.feed_batch_get(scope=scope_of(request), batch_id=feed_batch_id)
