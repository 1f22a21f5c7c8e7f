"""The per-case court summary (latest notices, legal status, failures to appear), kept by
every court write so reports read one row per case."""

from __future__ import annotations

from typing import Any

from atd.core.scope import Scope
from atd.court.choices import HearingOutcome, NoticeKind
from atd.court.models import CaseCourtSummary, Hearing, LegalStatusEvent, Notice
from atd.people.selectors import case_queryset_in_scope


def case_summary_refresh(case_ids: list[int]) -> None:
    """Recomputes the per-case court summary from the notice and legal status rows."""
    admin = Scope.system()
    cases = dict(
        case_queryset_in_scope(admin).filter(pk__in=case_ids).values_list("pk", "participant_id")
    )
    for case_id, participant_id in cases.items():
        nta = (
            Notice.objects.filter(case_id=case_id, kind=NoticeKind.NOTICE_TO_APPEAR)
            .order_by("-issued_on", "-pk")
            .first()
        )
        ntr = (
            Notice.objects.filter(case_id=case_id, kind=NoticeKind.NOTICE_TO_REPORT)
            .order_by("-issued_on", "-pk")
            .first()
        )
        legal = (
            LegalStatusEvent.objects.filter(participant_id=participant_id)
            .order_by("-effective_on", "-recorded_at", "-pk")
            .first()
        )
        CaseCourtSummary.objects.update_or_create(
            case_id=case_id,
            defaults={
                "participant_id": participant_id,
                "nta_issued_on": nta.issued_on if nta else None,
                "nta_recorded_at": nta.recorded_at if nta else None,
                "nta_served_on": nta.served_on if nta else None,
                "nta_served_recorded_at": nta.served_recorded_at if nta else None,
                "ntr_report_by": ntr.report_by if ntr else None,
                "ntr_reported_on": ntr.reported_on if ntr else None,
                "ntr_reported_recorded_at": ntr.reported_recorded_at if ntr else None,
                "legal_status": legal.status if legal else "",
                "legal_status_effective_on": legal.effective_on if legal else None,
                "legal_status_recorded_at": legal.recorded_at if legal else None,
                "fta_count": Hearing.objects.filter(
                    case_id=case_id, outcome=HearingOutcome.FAILED_TO_APPEAR
                ).count(),
            },
        )


def case_ids_in_scope(scope: Scope) -> Any:
    """The ids of the cases the caller sees, as a subquery for `case_id__in`."""
    return case_queryset_in_scope(scope).values("pk")
