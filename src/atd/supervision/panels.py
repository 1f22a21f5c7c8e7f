"""What supervision adds to the officer's participant page: the plan and its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse

from atd.core import clock
from atd.core.extensions import TimelineItem, TimelineSource
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.supervision import selectors
from atd.supervision.choices import CheckinMode, Technology


def participant_panel_context(request: Any, scope: Scope, participant_id: int) -> dict[str, Any]:
    history = selectors.plan_history_read(
        scope=scope, actor=request.user, participant_id=participant_id
    )
    return {
        "history": history,
        "technologies": Technology.choices,
        "modes": CheckinMode.choices,
        "today": clock.now().date(),
        "can_change": scope.role
        in (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN),
        "action": reverse("supervision:plan_set", args=[participant_id]),
    }


def timeline_items(scope: Scope, participant_id: int, since: datetime | None) -> list[TimelineItem]:
    from atd.people.selectors import participant_exists_in_scope
    from atd.supervision.models import PlanChange

    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        return []
    changes = PlanChange.objects.filter(participant_id=participant_id)
    if since is not None:
        changes = changes.filter(at__gte=since)
    return [
        TimelineItem(
            at=c.at,
            kind="plan_change",
            title=f"Plan: {c.from_technology or 'none'} → {c.to_technology}",
            detail=f"{c.reason} ({c.actor_label})",
        )
        for c in changes.order_by("-at")[:100]
    ]


TIMELINE = TimelineSource(name="supervision", items=timeline_items)
