"""Audit log search for auditors; reading the log is itself audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from atd.core.api import PageParams, SafeDatetime, principal_of, scope_of
from atd.core.audit_selectors import AuditFilters, audit_search_read
from atd.core.roles import Role

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    role: str
    action: str
    object_type: str
    object_ids: str
    outcome: str
    reason: str
    request_id: str
    source_ip: str
    client_request_id: str


class AuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditEntryOut]


class AuditQuery(PageParams):
    actor: str = Field("", max_length=150)
    action: str = Field("", max_length=64)
    object_type: str = Field("", max_length=64)
    object_id: str = Field("", max_length=64)
    since: SafeDatetime | None = None
    until: SafeDatetime | None = None


@router.get("/entries", response=AuditPage)
def audit_entries(request: HttpRequest, query: Query[AuditQuery]) -> dict[str, Any]:
    scope = scope_of(request)
    scope.require(Role.AUDITOR, Role.ADMIN)
    items, count = audit_search_read(
        actor=principal_of(request),
        filters=AuditFilters(
            actor=query.actor,
            action=query.action,
            object_type=query.object_type,
            object_id=query.object_id,
            since=query.since,
            until=query.until,
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return {"count": count, "limit": query.limit, "offset": query.offset, "items": items}
