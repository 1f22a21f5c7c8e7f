"""The participant page's single timeline: every registered timeline source, plus the case
history the page already holds, newest first. A failing source shows as an entry, not a gap."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from atd.core.extensions import TimelineItem, timeline_sources
from atd.core.scope import Scope

log = logging.getLogger(__name__)


def participant_timeline(
    *, scope: Scope, participant_id: int, since: datetime, cases: list[Any], limit: int = 300
) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for case in cases:
        for change in case.status_changes.all():
            if change.at >= since:
                items.append(
                    TimelineItem(
                        at=change.at,
                        kind="case",
                        title=f"Case {change.from_status or 'opened'} → {change.to_status}",
                        detail=" · ".join(x for x in (change.reason, change.actor_label) if x),
                    )
                )
        for move in case.assignments.all():
            if move.at >= since:
                items.append(
                    TimelineItem(
                        at=move.at,
                        kind="case",
                        title="Case reassigned",
                        detail=" · ".join(x for x in (move.reason, move.actor_label) if x),
                    )
                )
    for source in timeline_sources:
        try:
            items.extend(source.items(scope, participant_id, since))
        except Exception:
            log.exception("timeline source %s failed", source.name)
            items.append(
                TimelineItem(
                    at=since,
                    kind="error",
                    title=f"The {source.name} part of this timeline could not be loaded",
                )
            )
    items.sort(key=lambda i: i.at, reverse=True)
    return items[:limit]
