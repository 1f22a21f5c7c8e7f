"""Console pages of reporting: cohorts, the status report with its chart, filed reports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from atd.core import clock
from atd.core.errors import DomainError, Forbidden, NotFound
from atd.core.scope import Scope
from atd.people.choices import ReleaseType
from atd.reporting import rules, selectors, services
from atd.reporting.costs import cost_csv, cost_report
from atd.reporting.kpis import program_kpis
from atd.reporting.models import GeneratedReport
from atd.reporting.pdf import table_pdf


def _scope(request: HttpRequest, roles: tuple[str, ...] = selectors.REPORT_ROLES) -> Scope:
    scope = Scope.for_user(request.user)
    if scope.role not in roles:
        raise PermissionDenied
    return scope


@login_required
def index(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, selectors.READ_ROLES)
    return render(
        request,
        "reporting/index.html",
        {
            "cohorts": list(selectors.cohort_queryset(scope)[:200]),
            "reports": list(selectors.report_queryset(scope)[:50]),
            "release_types": ReleaseType.choices,
            "can_create": scope.role in selectors.REPORT_ROLES,
        },
    )


@login_required
@require_POST
def cohort_create(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    post = request.POST
    try:
        cohort = services.cohort_save(
            actor=request.user,
            scope=scope,
            name=post.get("name", ""),
            description=post.get("description", ""),
            filters=rules.CohortFilters.from_dict(
                {
                    "release_from": post.get("release_from") or None,
                    "release_to": post.get("release_to") or None,
                    "release_types": post.getlist("release_types"),
                    "facilities": post.get("facilities", ""),
                    "office_codes": post.get("office_codes", ""),
                    "nationalities": post.get("nationalities", ""),
                }
            ),
        )
    except (DomainError, ValueError) as exc:
        messages.error(request, f"Not saved: {exc}")
        return redirect("reporting:index")
    return redirect("reporting:cohort_detail", cohort.pk)


@login_required
def cohort_detail(request: HttpRequest, cohort_id: int) -> HttpResponse:
    scope = _scope(request)
    try:
        cohort = selectors.cohort_get(scope=scope, cohort_id=cohort_id)
    except NotFound:
        raise Http404 from None
    today = timezone.localdate(clock.now())
    as_of = parse_date(request.GET.get("as_of", "")) or today
    as_of = min(as_of, today)
    status = selectors.cohort_status_compute(
        scope=scope,
        filters=rules.CohortFilters.from_dict(cohort.filters),
        as_of=as_of,
        known_at=clock.now(),
        cohort_id=cohort.pk,
        cohort_name=cohort.name,
    )
    labels = dict(rules.CATEGORIES)
    return render(
        request,
        "reporting/cohort_detail.html",
        {
            "cohort": cohort,
            "as_of": as_of,
            "status": status,
            "categories": [(k, labels[k], n) for k, n in status.by_category().items()],
            "notices": [(dict(rules.NOTICE_STATES)[k], n) for k, n in status.by_notice().items()],
            "category_keys": rules.CATEGORY_KEYS,
            "by_nationality": status.breakdown("nationality"),
            "by_office": status.breakdown("office"),
            # Built by rules.bar_chart_svg, which escapes every label.
            "chart": mark_safe(selectors.status_chart_svg(status)),  # noqa: S308
        },
    )


@login_required
@require_POST
def report_generate(request: HttpRequest, cohort_id: int) -> HttpResponse:
    scope = _scope(request)
    as_of: date | None = parse_date(request.POST.get("as_of", ""))
    known_at = parse_datetime(request.POST.get("known_at", "") or "")
    try:
        report = services.report_generate(
            actor=request.user,
            scope=scope,
            cohort_id=cohort_id,
            as_of=as_of or timezone.localdate(clock.now()),
            known_at=known_at,
            with_list=request.POST.get("with_list") == "1",
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, f"Not generated: {exc}")
        return redirect("reporting:cohort_detail", cohort_id)
    messages.success(request, "Report generated and filed.")
    return redirect("reporting:report_detail", report.pk)


def _report(request: HttpRequest, report_id: int, form: str) -> GeneratedReport:
    scope = _scope(request, selectors.READ_ROLES)
    try:
        return selectors.report_read(
            scope=scope, actor=request.user, report_id=report_id, form=form
        )
    except (NotFound, Forbidden):
        raise Http404 from None


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id, "page")
    table = list(
        csv.reader(io.StringIO(bytes(report.content)[:200_000].decode("utf-8", "replace")))
    )
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "parameters": rules.report_parameters_in_words(report.parameters or {}),
            "header": table[0] if table else [],
            "preview": table[1:51],
            "more": max(len(table) - 51, 0),
        },
    )


@login_required
def report_csv(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id, "csv")
    response = HttpResponse(bytes(report.content), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.csv"'
    return response


@login_required
def report_sidecar(request: HttpRequest, report_id: int) -> HttpResponse:
    """The parameters filed beside the CSV, with the CSV's hash (the CSV itself has none)."""
    report = _report(request, report_id, "json")
    body = rules.report_sidecar(report.parameters or {}, report.content_sha256)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.json"'
    return response


@login_required
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id, "pdf")
    response = HttpResponse(selectors.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.pdf"'
    return response


def _period(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate(clock.now())
    end = parse_date(request.GET.get("end", "")) or today
    start = parse_date(request.GET.get("start", "")) or (end - timedelta(days=89))
    if start > end:
        start, end = end, start
    return start, end


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def kpis(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    start, end = _period(request)
    result = program_kpis(scope=scope, start=start, end=end)
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return _download(result.csv(), "text/csv", f"kpis-{start}-{end}.csv")
    if fmt == "pdf":
        rows = [list(line) for line in result.lines] + [["note", n, ""] for n in result.notes]
        pdf = table_pdf("Program KPIs", [f"Period {start} to {end}"], rows)
        return _download(pdf, "application/pdf", f"kpis-{start}-{end}.pdf")
    chart = rules.bar_chart_svg(
        "Alerts by kind", [(k, float(v)) for k, v in sorted(result.alerts_by_kind.items())]
    )
    return render(
        request,
        "reporting/kpis.html",
        {"k": result, "start": start, "end": end, "chart": mark_safe(chart)},  # noqa: S308
    )


@login_required
def costs(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    start, end = _period(request)
    cohort = None
    cohort_id = request.GET.get("cohort")
    if cohort_id and cohort_id.isdigit():
        try:
            cohort = selectors.cohort_get(scope=scope, cohort_id=int(cohort_id))
        except NotFound:
            raise Http404 from None
    filters = rules.CohortFilters.from_dict(cohort.filters) if cohort else None
    summary = cost_report(scope=scope, start=start, end=end, filters=filters)
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return _download(cost_csv(summary, start, end), "text/csv", f"cost-{start}-{end}.csv")
    if fmt == "pdf":
        rows = [r.split(",") for r in cost_csv(summary, start, end).decode().splitlines()]
        return _download(
            table_pdf("Cost report", [f"Period {start} to {end}"], rows),
            "application/pdf",
            f"cost-{start}-{end}.pdf",
        )
    by_tech: dict[str, float] = {}
    for line in summary.lines:
        by_tech[line.technology] = by_tech.get(line.technology, 0.0) + float(line.cost)
    chart = rules.bar_chart_svg(
        "Program cost vs the same days in detention ($)",
        [
            ("Program (all technologies)", float(summary.program_cost)),
            ("Detention, same days", float(summary.detention_cost)),
        ],
    )
    tech_chart = rules.bar_chart_svg("Program cost by technology ($)", sorted(by_tech.items()))
    return render(
        request,
        "reporting/costs.html",
        {
            "s": summary,
            "start": start,
            "end": end,
            "cohort": cohort,
            "cohorts": list(selectors.cohort_queryset(scope)[:200]),
            "chart": mark_safe(chart),  # noqa: S308
            "tech_chart": mark_safe(tech_chart),  # noqa: S308
        },
    )
