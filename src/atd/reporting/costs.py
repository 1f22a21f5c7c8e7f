"""Cost report: technology-days x rate per technology, per office and per cohort, against the
same participant-days in detention at the detention rate.

Plan intervals come from `supervision.selectors.plan_intervals_overlapping` and rates from
`supervision.selectors.cost_rate_table` (a technology without a rate falls back to the
documented defaults, supervision.rules.DEFAULT_COST_PER_DAY). The rate in effect on
the first day of the period is used for the whole period."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

from atd.core.scope import Scope
from atd.reporting import rules
from atd.reporting.facts import case_facts_refresh
from atd.reporting.models import CaseFact
from atd.reporting.selectors import report_office_limit
from atd.supervision.selectors import cost_rate_table, plan_intervals_overlapping
from atd.supervision.types import DEFAULT_COST_PER_DAY


def rate_table(on: date) -> dict[str, Decimal]:
    return dict(cost_rate_table(on))


def cost_report(
    *, scope: Scope, start: date, end: date, filters: rules.CohortFilters | None = None
) -> rules.CostSummary:
    """Per office and technology; `filters` limits it to a cohort."""
    case_facts_refresh()
    facts = CaseFact.objects.all()
    office_limit = report_office_limit(scope)
    if office_limit is not None:
        facts = facts.filter(office_id=office_limit)
    if filters is not None:
        if filters.release_from:
            facts = facts.filter(release_date__gte=filters.release_from)
        if filters.release_to:
            facts = facts.filter(release_date__lte=filters.release_to)
        if filters.release_types:
            facts = facts.filter(release_type__in=filters.release_types)
        if filters.facilities:
            facts = facts.filter(facility__in=filters.facilities)
        if filters.nationalities:
            facts = facts.filter(nationality__in=filters.nationalities)
    office_of = dict(facts.values_list("participant_id", "office_id"))
    days: dict[tuple[int, str], int] = defaultdict(int)
    for participant_id, technology, plan_start, plan_end in plan_intervals_overlapping(start, end):
        office = office_of.get(participant_id)
        if office is None:
            continue
        days[(office, technology)] += rules.overlap_days(plan_start, plan_end, start, end)
    rates = rate_table(start)
    from atd.people.selectors import office_list

    codes = {o.pk: o.code for o in office_list()}
    lines = tuple(
        rules.CostLine(
            group=codes.get(office, str(office)),
            technology=technology,
            days=n,
            rate=rates.get(technology, DEFAULT_COST_PER_DAY.get(technology, Decimal("0"))),
        )
        for (office, technology), n in sorted(
            days.items(), key=lambda item: (codes.get(item[0][0], ""), item[0][1])
        )
        if n > 0
    )
    return rules.CostSummary(
        lines=lines, detention_rate=rates.get("detention", DEFAULT_COST_PER_DAY["detention"])
    )


def cost_csv(summary: rules.CostSummary, start: date, end: date) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["report", "cost"])
    w.writerow(["period", start.isoformat(), end.isoformat()])
    w.writerow(["office", "technology", "participant_days", "rate_per_day", "cost"])
    for line in summary.lines:
        w.writerow([line.group, line.technology, line.days, line.rate, line.cost])
    w.writerow([])
    w.writerow(["total_participant_days", summary.supervised_days])
    w.writerow(["program_cost", summary.program_cost])
    w.writerow(["detention_rate_per_day", summary.detention_rate])
    w.writerow(["detention_cost_same_days", summary.detention_cost])
    w.writerow(["difference", summary.savings])
    w.writerow(["program_cost_per_participant_day", summary.cost_per_participant_day or ""])
    return out.getvalue().encode("utf-8")
