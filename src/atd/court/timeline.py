"""Court entries for the participant page's single timeline."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from atd.core.extensions import TimelineItem
from atd.court.rules import hearing_when_text
from atd.court.selectors import (
    hearing_court_zones,
    hearing_queryset_in_scope,
    legal_status_queryset_in_scope,
    notice_queryset_in_scope,
)


def _at(day: Any) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def court_timeline_items(scope: Any, participant_id: int, since: Any) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for n in notice_queryset_in_scope(scope).filter(participant_id=participant_id):
        items.append(
            TimelineItem(at=_at(n.issued_on), kind="court", title=f"{n.get_kind_display()} issued")
        )
        if n.served_on:
            items.append(
                TimelineItem(
                    at=_at(n.served_on), kind="court", title=f"{n.get_kind_display()} served"
                )
            )
    hearings = list(hearing_queryset_in_scope(scope).filter(participant_id=participant_id))
    zones = hearing_court_zones(hearings)
    for h in hearings:
        # The timeline runs in the viewer's zone; the hearing also says its court's time.
        title = f"Hearing at {h.court_name}"
        state = h.get_outcome_display() if h.outcome else "scheduled"
        detail = f"{state}, {hearing_when_text(h.scheduled_at, zones[h.pk])} court time"
        items.append(TimelineItem(at=h.scheduled_at, kind="court", title=title, detail=detail))
    for s in legal_status_queryset_in_scope(scope).filter(participant_id=participant_id):
        items.append(
            TimelineItem(
                at=_at(s.effective_on),
                kind="court",
                title=f"Legal status: {s.get_status_display()}",
                detail=s.note,
            )
        )
    if since is not None:
        items = [i for i in items if i.at >= since]
    return items
