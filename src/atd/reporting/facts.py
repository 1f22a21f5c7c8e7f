"""Keeps reporting.CaseFact in step with people's cases and court's summaries.

Incremental: cases with a status change, assignment or creation after the last ids seen, and
court summaries changed since the last pass (wall clock, with a margin for transactions that
committed late), are recomputed and upserted. Idempotent, so overlapping passes are harmless.
A participant's nationality changing is not a case event: `full=True` (the nightly job and
`atd manage reporting_refresh --full`) recomputes every case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from atd.core.jobs.progress import job_progress
from atd.core.scope import Scope
from atd.court.selectors import (
    case_ids_with_summary_changed_since,
    case_summaries,
    legal_status_latest_steps,
)
from atd.people.selectors import (
    case_history_marks,
    case_ids_all,
    case_ids_changed,
    case_report_rows,
)
from atd.reporting.cohort_sql import case_facts_settle
from atd.reporting.models import CaseFact, FactWatermark

ADMIN = Scope.system()
BATCH = 5000
SETTLED = frozenset({"settled_on", "settled_at", "settled_key"})
COURT_MARGIN = timedelta(minutes=5)


@dataclass
class RefreshResult:
    cases: int = 0


def case_facts_refresh(*, full: bool = False) -> RefreshResult:
    """Brings the facts up to date; returns how many cases were recomputed."""
    wall = timezone.now()
    with transaction.atomic():
        marks = {m.name: m for m in FactWatermark.objects.select_for_update()}
        status_mark = marks.get("status_change", FactWatermark(name="status_change"))
        assign_mark = marks.get("assignment", FactWatermark(name="assignment"))
        case_mark = marks.get("case", FactWatermark(name="case"))
        court_mark = marks.get("court", FactWatermark(name="court"))
        top = case_history_marks()
        if full:
            ids: set[int] = set(case_ids_all())
        else:
            seen = {
                "case": case_mark.last_id,
                "status_change": status_mark.last_id,
                "assignment": assign_mark.last_id,
            }
            ids = case_ids_changed(seen, top)
            since = (court_mark.last_at or wall.replace(year=1970)) - COURT_MARGIN
            ids.update(case_ids_with_summary_changed_since(since))
        ordered = sorted(ids)
        for start in range(0, len(ordered), BATCH):
            _upsert(ordered[start : start + BATCH])
            job_progress(min(start + BATCH, len(ordered)), len(ordered))  # cases done / total
        status_mark.last_id = top["status_change"]
        assign_mark.last_id = top["assignment"]
        case_mark.last_id = top["case"]
        court_mark.last_at = wall
        for mark in (status_mark, assign_mark, case_mark, court_mark):
            mark.save()
    return RefreshResult(cases=len(ordered))


def _upsert(case_ids: Iterable[int]) -> None:
    ids = list(case_ids)
    rows = case_report_rows(ids)
    court = case_summaries(ids)
    steps = legal_status_latest_steps(sorted({row["participant_id"] for row in rows}))
    facts = []
    for row in rows:
        s = court.get(row["id"], {})
        count, latest = steps.get(row["participant_id"], (0, []))
        prev = latest[1] if len(latest) > 1 else ("", None, None)
        activated = row["activated"]
        left = row["left_active"]
        if (activated is None and row["status"] == "active") or (
            left is not None and (activated is None or left < activated)
        ):
            # Active from the start, without a recorded change (e.g. migrated records); the
            # later change to active was a return (from at large, a reopening).
            activated = row["opened_at"]
        facts.append(
            CaseFact(
                case_id=row["id"],
                participant_id=row["participant_id"],
                nationality=row["participant__country_of_citizenship"] or "",
                office_id=row["office_id"],
                office_since=row["office_since"] or row["opened_at"],
                release_date=row["release_date"],
                release_type=row["release_type"],
                facility=row["releasing_facility"] or "",
                opened_at=row["opened_at"],
                activated_at=activated,
                closed_at=row["closed_at"] if row["status"] == "closed" else None,
                closure_reason=row["closure_reason"] if row["status"] == "closed" else "",
                nta_issued_on=s.get("nta_issued_on"),
                nta_recorded_at=s.get("nta_recorded_at"),
                nta_served_on=s.get("nta_served_on"),
                nta_served_recorded_at=s.get("nta_served_recorded_at"),
                ntr_report_by=s.get("ntr_report_by"),
                ntr_reported_on=s.get("ntr_reported_on"),
                ntr_reported_recorded_at=s.get("ntr_reported_recorded_at"),
                legal_status=s.get("legal_status") or "",
                legal_effective_on=s.get("legal_status_effective_on"),
                legal_recorded_at=s.get("legal_status_recorded_at"),
                legal_prev_status=prev[0],
                legal_prev_effective_on=prev[1],
                legal_prev_recorded_at=prev[2],
                legal_events=max(count, 1),
                fta_count=s.get("fta_count") or 0,
                irregular_changes=min(int(row["irregular"] or 0), 1_000_000),
            )
        )
    fields = [
        f.name for f in CaseFact._meta.fields if f.name != "case_id" and f.name not in SETTLED
    ]
    CaseFact.objects.bulk_create(
        facts, update_conflicts=True, unique_fields=["case_id"], update_fields=fields
    )
    # In the same transaction as the rows it derives from, so it is never stale.
    case_facts_settle([row["id"] for row in rows])
