"""Fills the compliance record of a review from the apps that own each part.

Check-ins come from `atd.checkins.selectors.window_status_counts` and alerts from
`atd.alerts.selectors.alert_queryset_in_scope` when those apps provide them (imports guarded:
both are built concurrently). When a source is missing the record says so in `notes` and the
recommendation refuses to treat the unknown as compliance."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from atd.core.scope import Scope
from atd.court.selectors import hearing_attendance_for
from atd.people.selectors import case_queryset_in_scope
from atd.reviews.rules import ComplianceRecord

ADMIN = Scope.system()


def compliance_record_build(
    *, participant_id: int, now: datetime, window_days: int
) -> ComplianceRecord:
    """The caller has checked the participant is in scope."""
    since = now - timedelta(days=window_days)
    notes: list[str] = []
    case = (
        case_queryset_in_scope(ADMIN)
        .filter(participant_id=participant_id)
        .exclude(status="closed")
        .order_by("-release_date")
        .first()
    )
    days = (timezone.localdate(now) - case.release_date).days if case else 0
    checkins = _checkin_counts(participant_id, since, now, notes)
    alerts = _alert_counts(participant_id, since, notes)
    hearings = hearing_attendance_for(participant_id, since=since.date())
    return ComplianceRecord(
        days_supervised=max(days, 0),
        window_days=window_days,
        checkins_on_time=checkins.get("completed", 0),
        checkins_late=checkins.get("late", 0),
        checkins_missed=checkins.get("missed", 0),
        checkins_attempted=checkins.get("attempted", 0),
        alerts_by_kind=alerts["by_kind"],
        alerts_by_disposition=alerts["by_disposition"],
        alerts_unresolved=alerts["unresolved"],
        hearings_attended=hearings.attended,
        hearings_missed=hearings.missed,
        checkins_available=checkins.get("_available", 0) == 1,
        alerts_available=alerts["available"],
        notes=tuple(notes),
    )


def _checkin_counts(
    participant_id: int, since: datetime, until: datetime, notes: list[str]
) -> dict[str, int]:
    try:
        from atd.checkins.selectors import window_status_counts
    except ImportError:
        notes.append("check-in history is not available in this installation (counted as 0)")
        return {"_available": 0}
    # A participant's own scope limits the count to that one person.
    own = Scope(role="participant", user_id=None, office_id=None, participant_id=participant_id)
    counts = dict(
        window_status_counts(**window_count_args(window_status_counts, own, since, until))
    )
    counts["_available"] = 1
    notes.append("late check-ins are not tracked separately (counted as on time)")
    return counts


def window_count_args(fn: Any, scope: Scope, since: datetime, until: datetime) -> dict[str, Any]:
    """check-ins' counting selector gained an `until` bound; pass it when it is accepted."""
    args: dict[str, Any] = {"scope": scope, "since": since}
    if "until" in inspect.signature(fn).parameters:
        args["until"] = until
    return args


def _alert_counts(participant_id: int, since: datetime, notes: list[str]) -> dict[str, Any]:
    empty: dict[str, Any] = {"by_kind": {}, "by_disposition": {}, "unresolved": 0}
    try:
        from atd.alerts.selectors import alert_queryset_in_scope  # type: ignore[attr-defined]
    except ImportError:
        notes.append("alert history is not available in this installation (counted as 0)")
        return {**empty, "available": False}
    by_kind: dict[str, int] = {}
    by_disposition: dict[str, int] = {}
    unresolved = 0
    rows = (
        alert_queryset_in_scope(ADMIN)
        .filter(participant_id=participant_id, opened_at__gte=since)
        .values_list("kind", "status", "disposition")
    )
    for kind, status, disposition in rows:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if status == "resolved":
            key = disposition or "unspecified"
            by_disposition[key] = by_disposition.get(key, 0) + 1
        else:
            unresolved += 1
    # Unresolved alerts opened before the window still count against a step-down.
    unresolved += (
        alert_queryset_in_scope(ADMIN)
        .filter(participant_id=participant_id, opened_at__lt=since)
        .exclude(status="resolved")
        .count()
    )
    return {
        "by_kind": by_kind,
        "by_disposition": by_disposition,
        "unresolved": unresolved,
        "available": True,
    }
