"""Searching the audit log (auditors). The search itself becomes an audit entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from atd.core.audit import audit_record
from atd.core.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.__dict__.items() if v]
        return "search " + (", ".join(parts) if parts else "all")


def audit_search_read(
    *, actor: Any, filters: AuditFilters, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    qs = AuditEntry.objects.all()
    if filters.actor:
        qs = qs.filter(actor_label__iexact=filters.actor)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id and re.fullmatch(r"[0-9]+", filters.object_id):
        oid = filters.object_id
        qs = qs.filter(
            Q(object_ids=oid)
            | Q(object_ids__startswith=f"{oid},")
            | Q(object_ids__endswith=f",{oid}")
            | Q(object_ids__contains=f",{oid},")
        )
    if filters.since:
        qs = qs.filter(at__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__lt=filters.until)
    qs = qs.order_by("-id")
    count = qs.count()
    items = list(qs[offset : offset + limit])
    audit_record(
        actor=actor,
        action="audit.search",
        object_type="audit_entry",
        reason=filters.describe()[:500],
    )
    return items, count
