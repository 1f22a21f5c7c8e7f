"""Reads of court records, scoped to the caller's cases; reads of a person's record are audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from atd.core.audit import audit_record
from atd.core.errors import NotFound
from atd.core.scope import Scope
from atd.court.choices import DepartureStage, HearingOutcome
from atd.court.models import CaseCourtSummary, DepartureCase, Hearing, LegalStatusEvent, Notice

# Published with the selectors: reporting's SQL fragments (report_read.py stays private).
from atd.court.report_read import failed_to_appear_sql, legal_status_at_sql  # noqa: F401
from atd.court.rules import departure_stage
from atd.court.types import DepartureVerified, DepartureView
from atd.people.selectors import (
    case_office_timezones,
    case_queryset_in_scope,
    participant_ids_in_scope,
)


def notice_queryset_in_scope(scope: Scope) -> QuerySet[Notice]:
    return Notice.objects.filter(case_id__in=case_queryset_in_scope(scope).values("pk"))


def hearing_queryset_in_scope(scope: Scope) -> QuerySet[Hearing]:
    return Hearing.objects.filter(case_id__in=case_queryset_in_scope(scope).values("pk"))


def legal_status_queryset_in_scope(scope: Scope) -> QuerySet[LegalStatusEvent]:
    return LegalStatusEvent.objects.filter(participant_id__in=participant_ids_in_scope(scope))


@dataclass
class CourtRecord:
    participant_id: int
    notices: list[Notice]
    hearings: list[Hearing]
    statuses: list[LegalStatusEvent]

    @property
    def current_status(self) -> str:
        return self.statuses[-1].status if self.statuses else ""

    @property
    def next_hearing(self) -> Hearing | None:
        upcoming = [h for h in self.hearings if not h.outcome]
        return min(upcoming, key=lambda h: h.scheduled_at) if upcoming else None


def court_record_read(*, scope: Scope, actor: Any, participant_id: int) -> CourtRecord:
    """Notices, hearings and legal status of one person; audited."""
    if not participant_ids_in_scope(scope).filter(pk=participant_id).exists():
        raise NotFound()
    record = CourtRecord(
        participant_id=participant_id,
        notices=list(
            notice_queryset_in_scope(scope)
            .filter(participant_id=participant_id)
            .order_by("-issued_on", "-pk")
        ),
        hearings=list(
            hearing_queryset_in_scope(scope)
            .filter(participant_id=participant_id)
            .order_by("-scheduled_at", "-pk")
        ),
        statuses=list(
            legal_status_queryset_in_scope(scope)
            .filter(participant_id=participant_id)
            .order_by("effective_on", "recorded_at", "pk")
        ),
    )
    audit_record(
        actor=actor,
        action="court.record_read",
        object_type="participant",
        object_ids=[participant_id],
    )
    return record


def notice_get(*, scope: Scope, notice_id: int) -> Notice:
    notice = notice_queryset_in_scope(scope).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice


def hearing_get(*, scope: Scope, hearing_id: int) -> Hearing:
    hearing = hearing_queryset_in_scope(scope).filter(pk=hearing_id).first()
    if hearing is None:
        raise NotFound()
    return hearing


@dataclass(frozen=True)
class HearingAttendance:
    attended: int
    missed: int
    upcoming: int


def hearing_attendance_for(participant_id: int, *, since: date | None = None) -> HearingAttendance:
    """Counts for a compliance record (used by reviews; the caller has checked scope)."""
    qs = Hearing.objects.filter(participant_id=participant_id)
    if since is not None:
        qs = qs.filter(scheduled_at__date__gte=since)
    attended = qs.filter(outcome__in=[HearingOutcome.ATTENDED, HearingOutcome.CONTINUED]).count()
    missed = qs.filter(outcome=HearingOutcome.FAILED_TO_APPEAR).count()
    upcoming = qs.filter(outcome="").count()
    return HearingAttendance(attended=attended, missed=missed, upcoming=upcoming)


def hearings_upcoming_for_participant(
    *, scope: Scope, participant_id: int, now: datetime
) -> list[Hearing]:
    return list(
        hearing_queryset_in_scope(scope)
        .filter(participant_id=participant_id, scheduled_at__gte=now, outcome="")
        .order_by("scheduled_at")
    )


# Table names for set-based reports (reporting computes the as-of cohort report in SQL).
def case_summaries(case_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per-case court summaries (notice dates, latest legal status, failures to appear) for
    set-based reports; counts and dates only."""
    rows = CaseCourtSummary.objects.filter(case_id__in=case_ids).values()
    return {row["case_id"]: dict(row) for row in rows}


def case_ids_with_summary_changed_since(moment: datetime) -> list[int]:
    return list(
        CaseCourtSummary.objects.filter(changed_at__gt=moment).values_list("case_id", flat=True)
    )


def hearing_outcome_counts(*, scope: Scope, start: date, end: date) -> dict[str, int]:
    """Hearings scheduled in [start, end] by outcome ("" = not yet recorded), for KPIs."""
    from django.db.models import Count

    rows = (
        hearing_queryset_in_scope(scope)
        .filter(scheduled_at__date__gte=start, scheduled_at__date__lte=end)
        .values("outcome")
        .annotate(n=Count("id"))
    )
    return {row["outcome"]: row["n"] for row in rows}


@dataclass
class CourtOverview:
    hearings_ahead: list[Hearing]
    hearings_without_outcome: list[Hearing]
    reports_overdue: list[Notice]
    notices_unserved: list[Notice]


def court_overview(*, scope: Scope, now: datetime, days_ahead: int = 14) -> CourtOverview:
    """The caller's caseload: hearings in the next days, past hearings with no outcome yet,
    Notices to Report past their deadline, unserved notices. Names are shown: the page audits."""
    from datetime import timedelta

    today = now.date()
    hearings = hearing_queryset_in_scope(scope).select_related("participant")
    notices = notice_queryset_in_scope(scope).select_related("participant")
    return CourtOverview(
        hearings_ahead=list(
            hearings.filter(
                scheduled_at__gte=now,
                scheduled_at__lte=now + timedelta(days=days_ahead),
                outcome="",
            ).order_by("scheduled_at")[:200]
        ),
        hearings_without_outcome=list(
            hearings.filter(scheduled_at__lt=now, outcome="").order_by("scheduled_at")[:200]
        ),
        reports_overdue=list(
            notices.filter(kind="ntr", reported_on__isnull=True, report_by__lt=today).order_by(
                "report_by"
            )[:200]
        ),
        notices_unserved=list(notices.filter(served_on__isnull=True).order_by("issued_on")[:200]),
    )


def legal_status_latest_steps(
    participant_ids: list[int], *, keep: int = 2
) -> dict[int, tuple[int, list[tuple[str, date, datetime]]]]:
    """participant -> (number of steps, the latest `keep` steps newest first), for reports."""
    out: dict[int, tuple[int, list[tuple[str, date, datetime]]]] = {}
    rows = (
        LegalStatusEvent.objects.filter(participant_id__in=participant_ids)
        .order_by("participant_id", "-effective_on", "-recorded_at", "-id")
        .values_list("participant_id", "status", "effective_on", "recorded_at")
    )
    for pid, status, effective_on, recorded_at in rows:
        count, steps = out.get(pid, (0, []))
        if len(steps) < keep:
            steps.append((status, effective_on, recorded_at))
        out[pid] = (count + 1, steps)
    return out


@dataclass(frozen=True)
class HearingsWeek:
    """Hearings of the caller's cases in one week: per officer counts (held or not), and the
    ones still ahead with the person's name (shown to the officer: an audited read)."""

    by_officer: dict[int | None, int]
    ahead: list[Hearing]


def hearings_week_read(
    *,
    scope: Scope,
    actor: Any,
    week_start: datetime,
    week_end: datetime,
    now: datetime,
    limit: int = 10,
) -> HearingsWeek:
    """Hearings scheduled in [week_start, week_end) on the caller's cases, counted under the
    case's officer now; the next `limit` not yet held are listed (ids audited)."""
    from django.db.models import Count, OuterRef, Subquery

    visible = case_queryset_in_scope(scope)
    week = hearing_queryset_in_scope(scope).filter(
        scheduled_at__gte=week_start, scheduled_at__lt=week_end
    )
    officer = Subquery(visible.filter(pk=OuterRef("case_id")).values("officer_id")[:1])
    rows = week.annotate(case_officer_id=officer).values("case_officer_id").annotate(n=Count("id"))
    ahead = list(
        week.filter(scheduled_at__gte=now, outcome="")
        .select_related("participant")
        .order_by("scheduled_at", "pk")[:limit]
    )
    if ahead:
        audit_record(
            actor=actor,
            action="court.hearing_list",
            object_type="participant",
            object_ids=sorted({h.participant_id for h in ahead}),
            reason="dashboard: hearings this week",
        )
    return HearingsWeek(by_officer={r["case_officer_id"]: r["n"] for r in rows}, ahead=ahead)


def hearing_court_zones(hearings: Iterable[Hearing]) -> dict[int, str]:
    """hearing id -> the IANA zone its time is stated in: its court's, which is the case
    office's (courts are chosen near the office, see court.demo); UTC, still named, for a
    hearing with no case or an office with no zone. Staff see hearing times in this zone
    whatever their own, labelled with it."""
    rows = list(hearings)
    zones = case_office_timezones({h.case_id for h in rows if h.case_id})
    return {h.pk: (zones.get(h.case_id) if h.case_id else None) or "UTC" for h in rows}


# --- departure requests and verified departures (issue 19) ----------------------------------


def _departures_in_scope(scope: Scope) -> QuerySet[DepartureCase]:
    return DepartureCase.objects.filter(case_id__in=case_queryset_in_scope(scope).values("pk"))


def departure_views_for_participant(*, scope: Scope, actor: Any) -> list[DepartureView]:
    """The participant's own departure requests and their stage (the portal section); an
    audited read."""
    if scope.role != "participant" or not scope.participant_id:
        return []
    rows = list(
        _departures_in_scope(scope)
        .filter(participant_id=scope.participant_id)
        .order_by("-opened_at", "-pk")[:5]
    )
    if rows:
        audit_record(
            actor=actor,
            action="departure.read",
            object_type="departure",
            object_ids=[r.pk for r in rows],
            reason="portal",
        )
    views = []
    for r in rows:
        stage = departure_stage(
            status=r.status,
            travel_document_status=r.travel_document_status,
            task_done=r.task_done_at is not None,
        )
        views.append(
            DepartureView(
                departure_id=r.pk,
                opened_at=r.opened_at,
                stage=stage,
                stage_label=str(DepartureStage(stage).label),
                planned_departure_on=r.planned_departure_on,
                departed_on=r.departed_on,
            )
        )
    return views


def departure_tasks_open(*, scope: Scope, limit: int = 50) -> list[DepartureCase]:
    """Departure requests from participants not yet answered by an officer, oldest due first
    (the dashboard card; the caller audits the names it shows)."""
    return list(
        _departures_in_scope(scope)
        .filter(task_due_at__isnull=False, task_done_at__isnull=True, status="open")
        .select_related("participant")
        .order_by("task_due_at", "pk")[:limit]
    )


def departures_verified(
    *, scope: Scope, as_of: datetime, participant_ids: list[int] | None = None
) -> list[DepartureVerified]:
    """Departures confirmed (and verified) at or before `as_of`: the cohort report's
    "departed", reproducible for a past date. Aggregate use: the caller audits what it shows."""
    qs = _departures_in_scope(scope).filter(status="confirmed", confirmed_at__lte=as_of)
    if participant_ids is not None:
        qs = qs.filter(participant_id__in=participant_ids)
    return [
        DepartureVerified(
            departure_id=r.pk,
            participant_id=r.participant_id,
            case_id=r.case_id,
            departed_on=r.departed_on,
            verified_at=r.confirmed_at,
            verified_by=r.confirmed_by,
            verified_by_id=r.verified_by_id,
            method=r.verification_method,
            note=r.verification_note,
        )
        for r in qs.order_by("confirmed_at", "pk")
        if r.departed_on is not None and r.confirmed_at is not None
    ]


# --- at large (issue 19) ------------------------------------------------------------------


@dataclass(frozen=True)
class CourtContact:
    """For the at-large rules: the latest failure to appear, and the report-by deadline."""

    failed_to_appear_at: datetime | None
    report_by: date | None
    reported: bool
    attended_at: datetime | None = None  # the latest hearing attended: a sign of the person


def court_contact_for_cases(case_ids: list[int]) -> dict[int, CourtContact]:
    """case id -> the court facts the at-large rules read (the platform's own read)."""
    from django.db.models import Max

    ids = sorted(set(case_ids))
    out: dict[int, CourtContact] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        fta = dict(
            Hearing.objects.filter(case_id__in=chunk, outcome=HearingOutcome.FAILED_TO_APPEAR)
            .values("case_id")
            .annotate(at=Max("scheduled_at"))
            .values_list("case_id", "at")
        )
        attended = dict(
            Hearing.objects.filter(
                case_id__in=chunk,
                outcome__in=[HearingOutcome.ATTENDED, HearingOutcome.CONTINUED],
            )
            .values("case_id")
            .annotate(at=Max("scheduled_at"))
            .values_list("case_id", "at")
        )
        deadlines = {
            case_id: (report_by, reported_on)
            for case_id, report_by, reported_on in CaseCourtSummary.objects.filter(
                case_id__in=chunk
            ).values_list("case_id", "ntr_report_by", "ntr_reported_on")
        }
        for case_id in set(fta) | set(deadlines) | set(attended):
            report_by, reported_on = deadlines.get(case_id, (None, None))
            out[case_id] = CourtContact(
                failed_to_appear_at=fta.get(case_id),
                report_by=report_by,
                reported=reported_on is not None,
                attended_at=attended.get(case_id),
            )
    return out


def hearing_open_for_participant(*, scope: Scope, participant_id: int) -> Hearing | None:
    """The next hearing with no outcome yet (past or future), scoped; the caller audits."""
    return (
        hearing_queryset_in_scope(scope)
        .filter(participant_id=participant_id, outcome="")
        .order_by("scheduled_at")
        .first()
    )
