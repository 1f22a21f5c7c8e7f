"""The court card of the officer dashboard: hearings this week of the caller's caseload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from atd.core import clock
from atd.core.scope import Scope
from atd.court.selectors import hearing_court_zones, hearings_week_read
from atd.people.selectors import officer_list_for

CARD_ROLES = ("case_officer", "contractor_specialist", "supervisor", "admin")
CARD_OFFICER_ROWS = 12


def hearings_week_card_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    """This week (Monday to Sunday, in the office's time zone; at the weekend the coming week):
    how many hearings, the next ones still ahead (audited by the selector), and for a
    supervisor the count per officer."""
    if scope.role not in CARD_ROLES:
        return None
    office = getattr(request.user, "office", None)
    zone = ZoneInfo(getattr(office, "timezone", "") or settings.TIME_ZONE)
    now = clock.now()
    local = now.astimezone(zone)
    week_start = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # On a Saturday or Sunday the working week is over: the card shows the coming one (a
    # Sunday's "0 this week" hid the hearings three days later).
    next_week = local.weekday() >= 5
    if next_week:
        week_start += timedelta(days=7)
    week = hearings_week_read(
        scope=scope,
        actor=request.user,
        week_start=week_start,
        week_end=week_start + timedelta(days=7),
        now=now,
    )
    zones = hearing_court_zones(week.ahead)
    rows: list[dict[str, Any]] = []
    if scope.role in ("supervisor", "admin"):
        names = {
            o.pk: o.get_full_name() or o.username
            for o in officer_list_for(scope).filter(pk__in=[k for k in week.by_officer if k])
        }
        rows = [
            {"officer_id": k, "name": names.get(k, "unassigned") if k else "unassigned", "n": n}
            for k, n in sorted(week.by_officer.items(), key=lambda kv: -kv[1])
        ]
    return {
        "week_label": "next week" if next_week else "this week",
        "week_start": week_start.date(),
        "total": sum(week.by_officer.values()),
        # Each hearing in its court's zone, labelled (not the viewer's).
        "ahead": [(h, zones[h.pk]) for h in week.ahead],
        "rows": rows[:CARD_OFFICER_ROWS],
        "more_rows": max(0, len(rows) - CARD_OFFICER_ROWS),
    }
