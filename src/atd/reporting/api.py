"""HTTP API of reporting: cohorts, filed cohort status reports and their CSV/PDF."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from atd.core.api import principal_of, scope_of
from atd.reporting import rules, selectors, services

router = Router(tags=["reporting"])


class CohortIn(Schema):
    name: str
    description: str = ""
    release_from: date | None = None
    release_to: date | None = None
    release_types: list[str] = []
    facilities: list[str] = []
    office_codes: list[str] = []
    nationalities: list[str] = []


class CohortOut(Schema):
    id: int
    name: str
    description: str
    filters: dict[str, Any]
    created_at: datetime


class GenerateIn(Schema):
    as_of: date
    known_at: datetime | None = None
    with_list: bool = False


class ReportOut(Schema):
    id: int
    kind: str
    cohort_id: int | None
    parameters: dict[str, Any]
    content_sha256: str
    pdf_sha256: str
    participants: int
    created_at: datetime
    created_by: str


@router.get("/cohorts", response=list[CohortOut])
def cohort_list(request: HttpRequest) -> Any:
    return list(selectors.cohort_queryset(scope_of(request))[:500])


@router.post("/cohorts", response={201: CohortOut})
def cohort_create(request: HttpRequest, payload: CohortIn) -> Any:
    data = payload.dict()
    name, description = data.pop("name"), data.pop("description")
    cohort = services.cohort_save(
        actor=principal_of(request),
        scope=scope_of(request),
        name=name,
        description=description,
        filters=rules.CohortFilters.from_dict(data),
    )
    return 201, cohort


@router.post("/cohorts/{cohort_id}/reports", response={201: ReportOut})
def report_generate(request: HttpRequest, cohort_id: int, payload: GenerateIn) -> Any:
    report = services.report_generate(
        actor=principal_of(request), scope=scope_of(request), cohort_id=cohort_id, **payload.dict()
    )
    return 201, report


@router.get("/reports/{report_id}", response=ReportOut)
def report_detail(request: HttpRequest, report_id: int) -> Any:
    return selectors.report_get(scope=scope_of(request), report_id=report_id)


@router.get("/reports/{report_id}/csv")
def report_csv(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_read(
        scope=scope_of(request), actor=principal_of(request), report_id=report_id, form="csv"
    )
    return _download(bytes(report.content), "text/csv", f"report-{report.pk}.csv", report)


@router.get("/reports/{report_id}/pdf")
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_read(
        scope=scope_of(request), actor=principal_of(request), report_id=report_id, form="pdf"
    )
    return _download(
        selectors.report_pdf(report), "application/pdf", f"report-{report.pk}.pdf", report
    )


def _download(body: bytes, content_type: str, name: str, report: Any) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-SHA256"] = report.content_sha256
    return response
