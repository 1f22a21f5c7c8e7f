"""Writes for reporting: saving cohorts and generating (filing) reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.scope import Scope
from atd.reporting import rules, selectors
from atd.reporting.models import Cohort, GeneratedReport


@transaction.atomic
def cohort_save(
    *, actor: Any, scope: Scope, name: str, filters: rules.CohortFilters, description: str = ""
) -> Cohort:
    scope.require(*selectors.REPORT_ROLES)
    problem = rules.filters_problem(filters)
    errors = [FieldError("name", "a cohort needs a name")] if not name.strip() else []
    if problem:
        errors.append(FieldError("filters", problem))
    if errors:
        raise ValidationFailed(errors=errors)
    cohort = Cohort.objects.create(
        name=name.strip()[:200],
        description=description.strip()[:500],
        filters=filters.canonical(),
        office_id=selectors.report_office_limit(scope),
        created_by=actor_for(actor).label,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor, action="report.cohort_save", object_type="cohort", object_ids=[cohort.pk]
    )
    return cohort


@transaction.atomic
def report_generate(
    *,
    actor: Any,
    scope: Scope,
    cohort_id: int,
    as_of: date,
    known_at: datetime | None = None,
    with_list: bool = False,
) -> GeneratedReport:
    """Computes the cohort status report as of a date and files it with its parameters and
    content hash. `known_at` defaults to now; passing a stored report's parameters back in
    reproduces its bytes exactly."""
    cohort = selectors.cohort_get(scope=scope, cohort_id=cohort_id)
    now = clock.now()
    if as_of > now.date():
        raise ValidationFailed(errors=[FieldError("as_of", "a report cannot be as of the future")])
    known = rules.known_at_normalize(known_at or now)
    if known > now:
        raise ValidationFailed(errors=[FieldError("known_at", "cannot be in the future")])
    filters = rules.CohortFilters.from_dict(cohort.filters)
    status = selectors.cohort_status_compute(
        scope=scope,
        filters=filters,
        as_of=as_of,
        known_at=known,
        cohort_id=cohort.pk,
        cohort_name=cohort.name,
    )
    if with_list:
        rows = selectors.cohort_list_read(
            scope=scope, actor=actor, filters=filters, as_of=as_of, known_at=known
        )
        content = rules.cohort_list_csv(rows)
        kind = GeneratedReport.Kind.COHORT_LIST
    else:
        content = rules.cohort_status_csv(status)
        kind = GeneratedReport.Kind.COHORT_STATUS
    report = GeneratedReport(
        kind=kind,
        cohort=cohort,
        parameters={**status.parameters(), "with_list": with_list},
        content=content,
        content_sha256=rules.content_hash(content),
        participants=status.total,
        office_id=selectors.report_office_limit(scope),
        created_by=actor_for(actor).label,
        created_at=now,
    )
    report.pdf_sha256 = rules.content_hash(selectors.report_pdf(report))
    report.save()
    audit_record(
        actor=actor,
        action="report.generate",
        object_type="report",
        object_ids=[report.pk],
        reason=f"{kind} sha256={report.content_sha256[:16]}",
    )
    return report
