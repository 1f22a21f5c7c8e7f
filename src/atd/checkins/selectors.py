"""Reads of check-in windows and check-ins, scoped; reads of a participant's data are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery

from atd.checkins.choices import LocationStatus, WindowStatus
from atd.checkins.models import Checkin, CheckinPhoto, CheckinWindow
from atd.checkins.types import CheckinPoint, WindowStatusCounts
from atd.core.audit import audit_record
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import (
    case_queryset_in_scope,
    participant_get_in_scope,
    participant_ids_in_scope,
)


def _audit(actor: Any, action: str, participant_id: int, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="participant",
        object_ids=[participant_id],
        reason=reason,
    )


def windows_for_participant_read(
    *, scope: Scope, actor: Any, participant_id: int, limit: int = 50
) -> list[CheckinWindow]:
    participant_get_in_scope(scope=scope, participant_id=participant_id)
    rows = list(
        CheckinWindow.objects.filter(participant_id=participant_id)
        .exclude(status=WindowStatus.CANCELLED)
        .order_by("-opens_at", "-pk")[:limit]
    )
    _audit(actor, "checkin_window.list", participant_id)
    return rows


def checkins_for_participant_read(
    *, scope: Scope, actor: Any, participant_id: int, limit: int = 50
) -> list[Checkin]:
    participant_get_in_scope(scope=scope, participant_id=participant_id)
    rows: list[Checkin] = list(
        Checkin.objects.filter(participant_id=participant_id)
        .select_related("window")
        .annotate(has_photo=Count("photo"))
        .order_by("-received_at", "-pk")[:limit]
    )
    _audit(actor, "checkin.list", participant_id)
    return rows


def checkin_points_for_participant(
    *,
    scope: Scope,
    actor: Any,
    participant_id: int,
    since: datetime,
    until: datetime,
    limit: int = 200,
) -> list[CheckinPoint]:
    """The located check-ins among the participant's newest `limit`, received in
    [since, until], newest first. Scoped and audited as checkins_for_participant_read."""
    points = []
    for c in checkins_for_participant_read(
        scope=scope, actor=actor, participant_id=participant_id, limit=limit
    ):
        if c.latitude is None or c.longitude is None or not since <= c.received_at <= until:
            continue
        points.append(
            CheckinPoint(
                at=c.received_at,
                lat=c.latitude,
                lon=c.longitude,
                accuracy_m=c.accuracy_m,
                verified=c.location_status != LocationStatus.UNVERIFIED,
            )
        )
    return points


def checkin_detail_read(*, scope: Scope, actor: Any, checkin_id: int) -> Checkin:
    checkin = (
        Checkin.objects.filter(pk=checkin_id, participant_id__in=participant_ids_in_scope(scope))
        .select_related("window")
        .annotate(has_photo=Count("photo"))
        .first()
    )
    if checkin is None:
        raise NotFound()
    _audit(actor, "checkin.read", checkin.participant_id, reason=f"checkin {checkin_id}")
    return checkin


def checkin_photo_read(*, scope: Scope, actor: Any, checkin_id: int) -> CheckinPhoto:
    """The photo of a check-in, for officer review; every view is an audit entry."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    photo = (
        CheckinPhoto.objects.filter(
            checkin_id=checkin_id, checkin__participant_id__in=participant_ids_in_scope(scope)
        )
        .select_related("checkin")
        .first()
    )
    if photo is None:
        raise NotFound()
    _audit(actor, "checkin.photo_read", photo.checkin.participant_id, f"checkin {checkin_id}")
    return photo


@dataclass(frozen=True)
class NextWindow:
    id: int
    due_date: Any
    opens_at: datetime
    closes_at: datetime
    mode: str
    source: str
    is_open: bool


def window_next_for_participant(*, participant_id: int, now: datetime) -> NextWindow | None:
    """The participant's current or next window (the portal's own scope check precedes it)."""
    w = (
        CheckinWindow.objects.filter(
            participant_id=participant_id, closes_at__gt=now, status=WindowStatus.OPEN
        )
        .order_by("closes_at", "pk")
        .first()
    )
    if w is None:
        return None
    return NextWindow(
        id=w.pk,
        due_date=w.due_date,
        opens_at=w.opens_at,
        closes_at=w.closes_at,
        mode=w.mode,
        source=w.source,
        is_open=w.opens_at <= now,
    )


def window_status_counts(*, scope: Scope, since: datetime, until: datetime) -> WindowStatusCounts:
    """Windows that closed in [since, until) by outcome, for the caller's participants."""
    rows = (
        CheckinWindow.objects.filter(
            participant_id__in=participant_ids_in_scope(scope),
            closes_at__gte=since,
            closes_at__lt=until,
        )
        .values("status")
        .annotate(n=Count("id"))
    )
    by_status = {r["status"]: r["n"] for r in rows}
    return WindowStatusCounts(
        completed=by_status.get(WindowStatus.COMPLETED, 0),
        attempted=by_status.get(WindowStatus.ATTEMPTED, 0),
        missed=by_status.get(WindowStatus.MISSED, 0),
        open=by_status.get(WindowStatus.OPEN, 0),
        cancelled=by_status.get(WindowStatus.CANCELLED, 0),
    )


def checkin_receipts_for_participant(*, scope: Scope, limit: int = 10) -> list[Checkin]:
    """The signed-in participant's own recent receipts (the portal audits its page read)."""
    if scope.role != Role.PARTICIPANT:
        return []
    return list(
        Checkin.objects.filter(participant_id=scope.participant_id or -1).order_by(
            "-received_at", "-pk"
        )[:limit]
    )


def checkin_unverified_count(*, scope: Scope, since: datetime) -> int:
    return Checkin.objects.filter(
        participant_id__in=participant_ids_in_scope(scope),
        received_at__gte=since,
        location_status="unverified",
        status="completed",
    ).count()


@dataclass(frozen=True)
class DayCounts:
    """Check-in windows of one day for one officer's caseload: due that day (and how many of
    those are already checked in), and windows that closed as missed that day."""

    due: int = 0
    done: int = 0
    missed: int = 0


def window_day_counts_by_officer(
    *, scope: Scope, day: date, day_start: datetime, day_end: datetime
) -> dict[int | None, DayCounts]:
    """{officer id: DayCounts} for the caller's cases (the dashboard's "due and missed today";
    counts only, no personal data). A window counts under the officer of its case now, so a
    reassigned case moves at once; windows without a case are left out (no one to act)."""
    visible = case_queryset_in_scope(scope)
    officer = Subquery(visible.filter(pk=OuterRef("case_id")).values("officer_id")[:1])
    missed_that_day = Q(status=WindowStatus.MISSED, closes_at__gte=day_start, closes_at__lt=day_end)
    rows = (
        CheckinWindow.objects.filter(case_id__in=visible.values("pk"))
        .exclude(status=WindowStatus.CANCELLED)
        .filter(Q(due_date=day) | missed_that_day)
        .annotate(case_officer_id=officer)
        .values("case_officer_id")
        .annotate(
            due=Count("id", filter=Q(due_date=day)),
            done=Count("id", filter=Q(due_date=day, status=WindowStatus.COMPLETED)),
            missed=Count("id", filter=missed_that_day),
        )
    )
    return {
        r["case_officer_id"]: DayCounts(due=r["due"], done=r["done"], missed=r["missed"])
        for r in rows
    }


# --- at large (issue 19) ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinContact:
    """For the at-large rules: the latest check-in, and the windows missed after it."""

    last_checkin_at: datetime | None
    missed_since: int


def checkin_contact_for_participants(participant_ids: list[int]) -> dict[int, CheckinContact]:
    """participant id -> check-in contact (the platform's own read, for the at-large job).
    Attempted check-ins (a technical failure) count as contact: the person tried."""
    from django.db.models import Max

    ids = sorted(set(participant_ids))
    last: dict[int, datetime] = {}
    out: dict[int, CheckinContact] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for pid, at in (
            Checkin.objects.filter(participant_id__in=chunk)
            .values("participant_id")
            .annotate(at=Max("received_at"))
            .values_list("participant_id", "at")
        ):
            last[pid] = at
        missed = CheckinWindow.objects.filter(
            participant_id__in=chunk, status=WindowStatus.MISSED
        ).values_list("participant_id", "closes_at")
        counts: dict[int, int] = {}
        for pid, closes_at in missed:
            if pid not in last or closes_at > last[pid]:
                counts[pid] = counts.get(pid, 0) + 1
        for pid in chunk:
            if pid in last or pid in counts:
                out[pid] = CheckinContact(
                    last_checkin_at=last.get(pid), missed_since=counts.get(pid, 0)
                )
    return out


def checkins_recent_for_participant(
    *, scope: Scope, participant_id: int, limit: int = 10
) -> list[Checkin]:
    """The newest check-ins, scoped; the caller audits the read (the locate package does)."""
    participant_get_in_scope(scope=scope, participant_id=participant_id)
    return list(
        Checkin.objects.filter(participant_id=participant_id).order_by("-received_at", "-pk")[
            :limit
        ]
    )
