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
from atd.reporting.pdf import CohortDocument, Section, cohort_report_pdf

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


def report_read(*, scope: Scope, actor: Any, report_id: int, form: str) -> GeneratedReport:
    """A filed report opened or downloaded: audited with its form (page, csv, pdf, json), the
    hash of the content it revealed and its row count, so an auditor can tell which list of
    people left the system and can check a copy against it."""
    try:
        report = report_get(scope=scope, report_id=report_id)
    except NotFound:
        audit_record(
            actor=actor,
            action="report.read",
            object_type="report",
            object_ids=[report_id],
            outcome="not_found",
            reason=form,
        )
        raise
    rows = max(bytes(report.content).count(b"\n") - 1, 0)
    audit_record(
        actor=actor,
        action="report.read",
        object_type="report",
        object_ids=[report.pk],
        reason=f"{form} {report.kind} rows={rows} sha256={report.content_sha256}",
    )
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


def report_pdf(report: GeneratedReport) -> bytes:
    """The PDF of a stored report, rendered from its stored CSV content and parameters only
    (never from live tables), so it reproduces byte for byte."""
    table = list(csv.reader(io.StringIO(bytes(report.content).decode("utf-8"))))
    header, rows = (table[0], table[1:]) if table else ([], [])
    parameters = dict(report.parameters or {})
    listing = report.kind == GeneratedReport.Kind.COHORT_LIST
    title = "Cohort list" if listing else "Cohort status report"
    # Nothing that differs between two filings of the same report (its id, who, when) is
    # printed: the PDF's hash is recorded at filing and must match any later download.
    subtitle = "Alternatives to Detention supervision program"
    if listing:
        status_words = {k: v.split(" (")[0] for k, v in rules.CATEGORIES}
        notice_words = dict(rules.NOTICE_STATES)
        document = CohortDocument(
            title=title,
            subtitle=subtitle,
            parameters=rules.report_parameters_in_words(parameters),
            summary=[("Participants listed", str(len(rows)))],
            chart_title="",
            chart=(),
            sections=(
                Section(
                    "Participants",
                    ["A-number", "Office", "Nationality", "Status", "Notice to Appear"],
                    [
                        (a, office, nat, status_words.get(st, st), notice_words.get(nt, nt))
                        for a, office, nat, st, nt in rows
                    ],
                ),
            ),
            content_hash=report.content_sha256,
        )
        return cohort_report_pdf(document)
    by_section: dict[str, list[list[str]]] = {}
    for row in rows:
        by_section.setdefault(row[0], []).append(row)
    statuses = [(r[3], int(r[4])) for r in by_section.get("status", [])]
    total = sum(count for _label, count in statuses)
    sections = [
        Section(
            "Status",
            ["Status", "Participants", "Share"],
            [(label, n, f"{n / total:.1%}" if total else "—") for label, n in statuses],
            numeric=frozenset({1, 2}),
        ),
        Section(
            "Notices to Appear",
            ["Notice", "Participants"],
            [(r[3], int(r[4])) for r in by_section.get("notices", [])],
            numeric=frozenset({1}),
        ),
    ]
    keys = [r[2] for r in by_section.get("status", [])]
    short = {r[2]: r[3].split(" (")[0] for r in by_section.get("status", [])}
    for dimension, heading in (("by_office", "By office"), ("by_nationality", "By nationality")):
        pivot: dict[str, dict[str, int]] = {}
        for r in by_section.get(dimension, []):
            pivot.setdefault(r[1], {})[r[2]] = int(r[4])
        sections.append(
            Section(
                heading,
                [heading.removeprefix("By ").capitalize(), "Total", *(short[k] for k in keys)],
                [
                    (group, sum(counts.values()), *(counts.get(k, 0) for k in keys))
                    for group, counts in pivot.items()
                ],
                numeric=frozenset(range(1, len(keys) + 2)),
            )
        )
    document = CohortDocument(
        title=title,
        subtitle=subtitle,
        parameters=rules.report_parameters_in_words(parameters),
        summary=rules.cohort_summary_in_words(
            {key: n for key, (_label, n) in zip(keys, statuses, strict=True)}
        ),
        chart_title=f"Participants by status as of {parameters.get('as_of', '')}",
        chart=[(short[k], n) for k, (_label, n) in zip(keys, statuses, strict=True)],
        sections=sections,
        content_hash=report.content_sha256,
    )
    return cohort_report_pdf(document)


def status_chart_svg(status: rules.CohortStatus) -> str:
    labels = dict(rules.CATEGORIES)
    bars = [(labels[k].split(" (")[0], float(v)) for k, v in status.by_category().items()]
    return rules.bar_chart_svg(f"Status as of {status.as_of.isoformat()}", bars)
