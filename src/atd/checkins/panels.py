"""What checkins adds to the officer's participant page: a panel and timeline items."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from atd.checkins import selectors
from atd.checkins.models import Checkin, CheckinWindow
from atd.core import clock
from atd.core.extensions import TimelineItem, TimelineSource
from atd.core.scope import Scope
from atd.people.selectors import officer_list_for, participant_ids_in_scope

CARD_ROLES = ("case_officer", "contractor_specialist", "supervisor", "admin")
CARD_OFFICER_ROWS = 12


def participant_panel_context(request: Any, scope: Scope, participant_id: int) -> dict[str, Any]:
    windows = selectors.windows_for_participant_read(
        scope=scope, actor=request.user, participant_id=participant_id, limit=12
    )
    checkins = selectors.checkins_for_participant_read(
        scope=scope, actor=request.user, participant_id=participant_id, limit=12
    )
    return {
        "participant_id": participant_id,
        "windows": windows,
        "checkins": checkins,
        "now": clock.now(),
        "in_person_url": reverse("checkins:in_person", args=[participant_id]),
    }


def alert_aside_context(scope: Scope, actor: Any, participant_id: int) -> dict[str, Any]:
    """Beside an alert's evidence: the participant's located check-ins of the last 14 days
    (scoped and audited by the selector)."""
    now = clock.now()
    points = selectors.checkin_points_for_participant(
        scope=scope,
        actor=actor,
        participant_id=participant_id,
        since=now - timedelta(days=14),
        until=now,
    )
    return {"recent_checkins": points[-10:]}


def dashboard_card_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    """Check-in outcomes of the caller's caseload over the last 30 days (no personal data)."""
    if scope.role not in ("case_officer", "contractor_specialist", "supervisor", "admin"):
        return None
    now = clock.now()
    since = now - timedelta(days=30)
    counts = selectors.window_status_counts(scope=scope, since=since, until=now)
    return {
        "completed": counts.completed,
        "attempted": counts.attempted,
        "missed": counts.missed,
        "unverified": selectors.checkin_unverified_count(scope=scope, since=since),
    }


def office_zone(user: Any) -> ZoneInfo:
    """The caller's office time zone ("today" is the office's day), else the server's."""
    office = getattr(user, "office", None)
    return ZoneInfo(getattr(office, "timezone", "") or settings.TIME_ZONE)


def today_card_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    """Check-ins due today and missed today for the caller's caseload; a supervisor also gets
    the counts per officer (busiest first). Counts only: no personal data is shown."""
    if scope.role not in CARD_ROLES:
        return None
    local_now = clock.now().astimezone(office_zone(request.user))
    day = local_now.date()
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    counts = selectors.window_day_counts_by_officer(
        scope=scope, day=day, day_start=day_start, day_end=day_start + timedelta(days=1)
    )
    total = selectors.DayCounts(
        due=sum(c.due for c in counts.values()),
        done=sum(c.done for c in counts.values()),
        missed=sum(c.missed for c in counts.values()),
    )
    rows: list[dict[str, Any]] = []
    if scope.role in ("supervisor", "admin"):
        names = {
            o.pk: o.get_full_name() or o.username
            for o in officer_list_for(scope).filter(pk__in=[k for k in counts if k])
        }
        rows = [
            {"officer_id": k, "name": names.get(k, "unassigned") if k else "unassigned", "c": c}
            for k, c in sorted(
                counts.items(), key=lambda kv: (-kv[1].missed, -(kv[1].due - kv[1].done))
            )
        ]
    return {
        "day": day,
        "total": total,
        "rows": rows[:CARD_OFFICER_ROWS],
        "more_rows": max(0, len(rows) - CARD_OFFICER_ROWS),
    }


def timeline_items(scope: Scope, participant_id: int, since: datetime | None) -> list[TimelineItem]:
    visible = participant_ids_in_scope(scope)
    checkins = Checkin.objects.filter(participant_id=participant_id, participant_id__in=visible)
    windows = CheckinWindow.objects.filter(
        participant_id=participant_id, participant_id__in=visible, status="missed"
    )
    if since is not None:
        checkins = checkins.filter(received_at__gte=since)
        windows = windows.filter(closes_at__gte=since)
    items = [
        TimelineItem(
            at=c.received_at,
            kind="checkin",
            title=f"{c.get_kind_display()} check-in {c.get_status_display().lower()}",
            detail=f"{c.receipt_code} · {c.get_location_status_display()}"
            + (f" ({c.unverified_reason})" if c.unverified_reason else ""),
        )
        for c in checkins.order_by("-received_at")[:200]
    ]
    items += [
        TimelineItem(
            at=w.closes_at,
            kind="checkin",
            title="Missed check-in window",
            detail=f"due {w.due_date.isoformat()} ({w.get_source_display()})",
        )
        for w in windows.order_by("-closes_at")[:200]
    ]
    return items


TIMELINE = TimelineSource(name="checkins", items=timeline_items)
