"""Reads for reports: cohorts, the cohort status computation, generated reports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from atd.core.audit import audit_record
from atd.core.audit_export import export_audit_record
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import office_list
from atd.reporting import rules
from atd.reporting.cohort_sql import CohortQuery, cohort_list_rows, cohort_status_rows
from atd.reporting.facts import case_facts_refresh
from atd.reporting.models import Cohort, GeneratedReport
from atd.reporting.pdf import table_pdf

REPORT_ROLES = (Role.SUPERVISOR, Role.RECORDS_ANALYST, Role.ADMIN)
READ_ROLES = (*REPORT_ROLES, Role.AUDITOR)


def report_office_limit(scope: Scope) -> int | None:
    """A supervisor reports on their own office; analysts and admins on every office."""
    if scope.role == Role.SUPERVISOR:
        return scope.office_id or -1
    return None


def cohort_queryset(scope: Scope) -> QuerySet[Cohort]:
    scope.require(*READ_ROLES)
    qs = Cohort.objects.all()
    limit = report_office_limit(scope)
    if limit is not None:
        qs = qs.filter(office_id=limit)
    return qs


def cohort_get(*, scope: Scope, cohort_id: int) -> Cohort:
    cohort = cohort_queryset(scope).filter(pk=cohort_id).first()
    if cohort is None:
        raise NotFound()
    return cohort


def report_queryset(scope: Scope) -> QuerySet[GeneratedReport]:
    scope.require(*READ_ROLES)
    qs = GeneratedReport.objects.select_related("cohort")
    limit = report_office_limit(scope)
    if limit is not None:
        qs = qs.filter(office_id=limit)
    return qs


def report_get(*, scope: Scope, report_id: int) -> GeneratedReport:
    report = report_queryset(scope).filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    return report


def _office_codes() -> dict[int, str]:
    return {office.pk: office.code for office in office_list()}


def _query(
    scope: Scope, filters: rules.CohortFilters, as_of: date, known_at: datetime
) -> CohortQuery:
    return CohortQuery(
        filters=filters,
        as_of=as_of,
        known_at=rules.known_at_normalize(known_at),
        office_id=report_office_limit(scope),
        missed_window_days=int(getattr(settings, "ATD_REPORT_MISSED_WINDOW_DAYS", 90)),
    )


def cohort_status_compute(
    *,
    scope: Scope,
    filters: rules.CohortFilters,
    as_of: date,
    known_at: datetime,
    cohort_id: int | None = None,
    cohort_name: str = "",
) -> rules.CohortStatus:
    """Counts only (no personal data), so not audited; generating a filed report is."""
    scope.require(*REPORT_ROLES)
    case_facts_refresh()
    query = _query(scope, filters, as_of, known_at)
    codes = _office_codes()
    report = rules.CohortStatus(
        cohort_id=cohort_id,
        cohort_name=cohort_name,
        filters=filters,
        as_of=as_of,
        known_at=query.known_at,
    )
    for category, nat, office_id, notice, n in cohort_status_rows(query):
        report.rows.append(
            rules.StatusRow(
                category=category,
                nationality=nat or "",
                office=codes.get(office_id, str(office_id)),
                notice=notice,
                count=int(n),
            )
        )
    return report


def cohort_list_read(
    *, scope: Scope, actor: Any, filters: rules.CohortFilters, as_of: date, known_at: datetime
) -> list[rules.ListRow]:
    """Every case in the cohort with its status: personal data, so the read is audited."""
    scope.require(*REPORT_ROLES)
    case_facts_refresh()
    query = _query(scope, filters, as_of, known_at)
    codes = _office_codes()
    found = cohort_list_rows(query)
    rows = [
        rules.ListRow(
            a_number=a_number,
            office=codes.get(office_id, str(office_id)),
            nationality=nat or "",
            category=category,
            notice=notice,
        )
        for a_number, nat, office_id, category, notice, _ in found
    ]
    # The list names people: the entry names them too (or fingerprints a list too long).
    export_audit_record(
        actor=actor,
        action="report.cohort_list",
        object_type="participant",
        ids=[row[5] for row in found],
        reason=f"cohort list of {len(rows)} case(s) as of {as_of.isoformat()}",
    )
    return rows


def report_content_read(
    *, scope: Scope, actor: Any, report_id: int, purpose: str
) -> GeneratedReport:
    """A filed report whose content is about to be shown or downloaded (`purpose`: "csv",
    "pdf", "preview"). Audited with the report id, its row count and content hash: the filed
    content is immutable, so the entry says exactly what left (a list report's people are
    named by its report.cohort_list entry)."""
    report = report_get(scope=scope, report_id=report_id)
    audit_record(
        actor=actor,
        action="report.download",
        object_type="report",
        object_ids=[report.pk],
        reason=(
            f"{purpose} of {report.kind}: {report.participants} participant(s) "
            f"sha256={report.content_sha256}"
        ),
    )
    return report


def report_pdf(report: GeneratedReport) -> bytes:
    """The PDF of a stored report, rendered from its stored CSV content."""
    rows = list(csv.reader(io.StringIO(bytes(report.content).decode("utf-8"))))
    title = "Cohort status report" if report.kind == "cohort_status" else "Cohort list"
    header = [f"SHA-256 of the CSV content: {report.content_sha256}"]
    return table_pdf(title, header, rows)


def status_chart_svg(status: rules.CohortStatus) -> str:
    labels = dict(rules.CATEGORIES)
    bars = [(labels[k].split(" (")[0], float(v)) for k, v in status.by_category().items()]
    return rules.bar_chart_svg(f"Status as of {status.as_of.isoformat()}", bars)
