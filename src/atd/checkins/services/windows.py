"""Check-in windows: generated from plans and intake deadlines, closed as missed by a job.

Both jobs are restart-safe: they derive their work from stored state (the last generated due
date, windows still open after their close time), so a worker that was down catches up, and
the missed alert is raised in the same transaction that marks the window, keyed by the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertEvidence, AlertKind
from atd.checkins.choices import WindowSource, WindowStatus
from atd.checkins.ladder_rules import MissSource
from atd.checkins.models import CheckinWindow
from atd.checkins.rules import (
    WindowSpec,
    first_report_window,
    plan_generation_start,
    plan_windows,
)
from atd.checkins.services.ladder import MissInput, ladder_misses_record
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record
from atd.core.scope import Scope
from atd.people.selectors import case_queryset_in_scope, case_routing_for_participants, office_list
from atd.supervision.selectors import plan_specs_active
from atd.supervision.types import PlanSpec

# System jobs act for the whole program, not for a user's caseload.
SYSTEM_SCOPE = Scope.system()
DEFAULT_TZ = "America/New_York"


def _office_timezones() -> dict[int, str]:
    return {o.pk: o.timezone for o in office_list()}


def _tz_by_participant(participant_ids: list[int], office_tz: dict[int, str]) -> dict[int, str]:
    routing = case_routing_for_participants(participant_ids)
    return {pid: office_tz.get(route.office_id, DEFAULT_TZ) for pid, route in routing.items()}


def _window_rows(
    participant_id: int,
    specs: list[WindowSpec],
    *,
    source: str,
    mode: str,
    now: datetime,
    plan_id: int | None = None,
    case_id: int | None = None,
) -> list[CheckinWindow]:
    return [
        CheckinWindow(
            participant_id=participant_id,
            case_id=case_id,
            plan_id=plan_id,
            source=source,
            mode=mode,
            due_date=s.due_date,
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            created_at=now,
        )
        for s in specs
    ]


@transaction.atomic
def _generate_for_plans(plans: list[PlanSpec], *, now: datetime, office_tz: dict[int, str]) -> int:
    today = now.date()
    ids = [p.participant_id for p in plans]
    tz = _tz_by_participant(ids, office_tz)
    # A superseded plan's windows that have not opened yet are removed (none can hold a
    # check-in); the new plan's windows replace them.
    CheckinWindow.objects.filter(
        participant_id__in=ids, source=WindowSource.PLAN, status=WindowStatus.OPEN, opens_at__gt=now
    ).exclude(plan_id__in=[p.id for p in plans]).delete()
    last_due = dict(
        CheckinWindow.objects.filter(participant_id__in=ids, source=WindowSource.PLAN)
        .values("participant_id")
        .annotate(last=Max("due_date"))
        .values_list("participant_id", "last")
    )
    rows: list[CheckinWindow] = []
    until = today + timedelta(days=settings.ATD_CHECKIN_HORIZON_DAYS)
    for plan in plans:
        after = plan_generation_start(
            plan_start=plan.start_date,
            plan_recorded=plan.recorded_on,
            last_due=last_due.get(plan.participant_id),
            today=today,
            catchup_days=settings.ATD_CHECKIN_CATCHUP_DAYS,
        )
        specs = plan_windows(
            start=plan.start_date,
            cadence_days=plan.cadence_days,
            after=after,
            until=until,
            grace_before=settings.ATD_CHECKIN_GRACE_BEFORE_DAYS,
            grace_after=settings.ATD_CHECKIN_GRACE_AFTER_DAYS,
            tz=tz.get(plan.participant_id, DEFAULT_TZ),
        )
        rows += _window_rows(
            plan.participant_id,
            specs,
            source=WindowSource.PLAN,
            mode=plan.checkin_mode,
            now=now,
            plan_id=plan.id,
        )
    CheckinWindow.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


@transaction.atomic
def _generate_first_reports(*, now: datetime, office_tz: dict[int, str]) -> int:
    cases = (
        case_queryset_in_scope(SYSTEM_SCOPE)
        .filter(status="pending_first_report")
        .values_list("id", "participant_id", "release_date", "office_id")
    )
    have = set(
        CheckinWindow.objects.filter(source=WindowSource.FIRST_REPORT).values_list(
            "participant_id", "case_id"
        )
    )
    rows: list[CheckinWindow] = []
    for case_id, participant_id, release_date, office_id in cases.iterator(chunk_size=2000):
        if (participant_id, case_id) in have:
            continue
        spec = first_report_window(
            release_date=release_date,
            report_by_days=settings.ATD_REPORT_BY_DAYS,
            tz=office_tz.get(office_id, DEFAULT_TZ),
        )
        rows += _window_rows(
            participant_id,
            [spec],
            source=WindowSource.FIRST_REPORT,
            mode="in_person",
            now=now,
            case_id=case_id,
        )
    CheckinWindow.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def windows_generate(*, actor: Any = SYSTEM, participant_ids: list[int] | None = None) -> int:
    """Creates the windows every active plan and every case awaiting its first report needs.
    Idempotent: (participant, source, due date) is unique and generation resumes from the last
    generated due date. Returns the number of windows proposed (existing ones are skipped)."""
    now = clock.now()
    office_tz = _office_timezones()
    proposed = 0
    after_id = 0
    while True:
        plans = plan_specs_active(after_id=after_id, limit=2000)
        if not plans:
            break
        after_id = plans[-1].id
        if participant_ids is not None:
            wanted = set(participant_ids)
            plans = [p for p in plans if p.participant_id in wanted]
        if plans:
            proposed += _generate_for_plans(plans, now=now, office_tz=office_tz)
    proposed += _generate_first_reports(now=now, office_tz=office_tz)
    if proposed:
        audit_record(
            actor=actor,
            action="checkin_window.generate",
            object_type="checkin_window",
            reason=f"{proposed} window(s) proposed",
        )
    return proposed


@dataclass
class WindowCloseResult:
    missed: list[int] = field(default_factory=list)
    alerts: int = 0


MISSED_KIND: dict[str, AlertKind] = {
    WindowSource.PLAN: AlertKind.MISSED_CHECKIN,
    WindowSource.FIRST_REPORT: AlertKind.REPORT_DEADLINE,
}


def windows_close_due(*, actor: Any = SYSTEM, batch: int = 500) -> WindowCloseResult:
    """Marks every window that closed while still open as missed and raises its alert, in one
    transaction per batch. Windows with a check-in or an attempt are no longer `open` (the
    check-in service moved them), so they are never counted as non-compliance. Runs until no
    closed window is left: after downtime it catches up in one call."""
    result = WindowCloseResult()
    while True:
        done = _close_batch(actor=actor, batch=batch, result=result)
        if done < batch:
            return result


@transaction.atomic
def _close_batch(*, actor: Any, batch: int, result: WindowCloseResult) -> int:
    now = clock.now()
    windows = list(
        CheckinWindow.objects.select_for_update()
        .filter(status=WindowStatus.OPEN, closes_at__lte=now)
        .order_by("closes_at", "pk")[:batch]
    )
    if not windows:
        return 0
    fetched = len(windows)
    # A first-report window whose case has left "pending first report" another way (the officer
    # recorded the report, the case closed) is moot, not missed.
    report_cases = {w.case_id for w in windows if w.source == WindowSource.FIRST_REPORT}
    still_pending = set(
        case_queryset_in_scope(SYSTEM_SCOPE)
        .filter(pk__in=report_cases, status="pending_first_report")
        .values_list("pk", flat=True)
    )
    moot = [
        w
        for w in windows
        if w.source == WindowSource.FIRST_REPORT and w.case_id not in still_pending
    ]
    if moot:
        CheckinWindow.objects.filter(pk__in=[w.pk for w in moot], status=WindowStatus.OPEN).update(
            status=WindowStatus.CANCELLED, closed_at=now
        )
        windows = [w for w in windows if w not in moot]
    ids = [w.pk for w in windows]
    # Conditional update: a check-in committed meanwhile moved the row out of `open`.
    CheckinWindow.objects.filter(pk__in=ids, status=WindowStatus.OPEN).update(
        status=WindowStatus.MISSED, closed_at=now
    )
    signals = [
        AlertSignal(
            kind=MISSED_KIND.get(w.source, AlertKind.MISSED_CHECKIN),
            occurred_at=w.closes_at,
            source="checkins",
            source_ref=f"window:{w.pk}",
            participant_id=w.participant_id,
            detail={
                "window_id": w.pk,
                "due_date": w.due_date.isoformat(),
                "source": w.source,
                "mode": w.mode,
            },
            evidence=AlertEvidence(
                facts={
                    "window": {
                        "id": w.pk,
                        "opens_at": w.opens_at.isoformat(),
                        "closes_at": w.closes_at.isoformat(),
                    }
                }
            ),
            title="Missed check-in"
            if w.source == WindowSource.PLAN
            else "First report deadline passed",
        )
        for w in windows
    ]
    raised = alert_raise_many(actor=actor, signals=signals)
    # The graduated response (services/ladder.py): plan windows climb the participant's
    # ladder; a first report deadline has its own path (the case's report-by alert).
    ladder_misses_record(
        actor=actor,
        misses=[
            MissInput(
                participant_id=w.participant_id,
                ref=f"window:{w.pk}",
                source=MissSource.WINDOW,
                occurred_at=w.closes_at,
                opens_at=w.opens_at,
                closes_at=w.closes_at,
            )
            for w in windows
            if w.source == WindowSource.PLAN
        ],
    )
    result.missed += ids
    result.alerts += len(raised.created) + len(raised.updated)
    audit_record(
        actor=actor,
        action="checkin_window.missed",
        object_type="checkin_window",
        object_ids=ids,
        reason=f"window closed without a check-in; {len(moot)} moot first-report window(s)",
    )
    return fetched


def window_matching(
    participant_id: int, moment: datetime, *, for_update: bool = True
) -> list[CheckinWindow]:
    """Windows of the participant open at `moment` (any status but cancelled)."""
    qs = CheckinWindow.objects.filter(
        participant_id=participant_id, opens_at__lte=moment, closes_at__gt=moment
    ).exclude(status=WindowStatus.CANCELLED)
    if for_update:
        qs = qs.select_for_update()
    return list(qs.order_by("closes_at", "pk"))
