"""The read model of people's case history for set-based reports (used by `reporting`): SQL
fragments over people's tables that a report composes into one statement, and the case rows
its per-case facts are derived from.

It lives in people because it reads people's tables. Fragments, not rows: the cohort status
report over millions of cases must stay one statement for PostgreSQL (a look-up per case done
from Python would cost a round trip each). Each fragment names its inputs (the outer query's
columns and named parameters); values are always bound, never formatted in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Min, Q

from atd.core.fieldcrypt import decrypt_text
from atd.people.models import Case, CaseAssignment, CaseStatusChange, Participant


def case_office_at_sql(*, case_id: str, moment: str) -> str:
    """The office a case was assigned to at `moment` (a named parameter), from the assignment
    history, or NULL before the first assignment. Correlated on `case_id` (an outer column);
    uses the index on the assignment's case."""
    return (
        f"(SELECT a.office_id FROM {CaseAssignment._meta.db_table} a "  # noqa: S608 -- names from model metadata
        f"WHERE a.case_id = {case_id} AND a.at <= %({moment})s "
        "ORDER BY a.at DESC, a.id DESC LIMIT 1)"
    )


def case_status_at_sql(*, case_id: str, moment: str, column: str = "to_status") -> str:
    """The case's status (or, with column="closure_reason", its closure reason) after its
    latest status change at or before `moment` (a named parameter), from the status history;
    NULL before the first change. Correlated on `case_id`; uses the index on the change's
    case. For cases whose history leaves the plain pending -> active -> closed path."""
    if column not in ("to_status", "closure_reason"):
        raise ValueError(column)
    return (
        f"(SELECT s.{column} FROM {CaseStatusChange._meta.db_table} s "  # noqa: S608 -- names from model metadata
        f"WHERE s.case_id = {case_id} AND s.at <= %({moment})s "
        "ORDER BY s.at DESC, s.id DESC LIMIT 1)"
    )


def participant_a_number_join_sql(*, alias: str, participant_id: str) -> str:
    """`JOIN` of the participant table (as `alias`) for the A-number of `participant_id`."""
    return f"JOIN {Participant._meta.db_table} {alias} ON {alias}.id = {participant_id}"


def participant_a_number_open(stored: Any) -> str:
    """The A-number from the value `participant_a_number_join_sql`'s column holds (it is
    encrypted at rest, ADR 0021): decrypted in Python, one per row."""
    return decrypt_text(str(stored or ""), context=f"{Participant._meta.db_table}.a_number")


def case_history_marks() -> dict[str, int]:
    """The highest ids of cases, status changes and assignments (a refresh's watermarks)."""
    return {
        "case": int(Case.objects.aggregate(m=Max("id"))["m"] or 0),
        "status_change": int(CaseStatusChange.objects.aggregate(m=Max("id"))["m"] or 0),
        "assignment": int(CaseAssignment.objects.aggregate(m=Max("id"))["m"] or 0),
    }


def case_ids_changed(after: dict[str, int], upto: dict[str, int]) -> set[int]:
    """Cases created, with a status change or with an assignment between two sets of marks."""
    ids = set(
        Case.objects.filter(id__gt=after["case"], id__lte=upto["case"]).values_list("id", flat=True)
    )
    for model, name in ((CaseStatusChange, "status_change"), (CaseAssignment, "assignment")):
        ids |= set(
            model.objects.filter(id__gt=after[name], id__lte=upto[name]).values_list(
                "case_id", flat=True
            )
        )
    return ids


def case_ids_all() -> list[int]:
    return list(Case.objects.values_list("id", flat=True))


def case_report_rows(case_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Per case: participant, nationality, office, release data, lifecycle moments (first
    activation, first time it left `active`), closure, the time of the last assignment, and
    whether its history leaves the plain path (at large, reopened: `irregular` > 0)."""
    return list(
        Case.objects.filter(id__in=list(case_ids))
        .values(
            "id",
            "participant_id",
            "participant__country_of_citizenship",
            "office_id",
            "release_date",
            "release_type",
            "releasing_facility",
            "opened_at",
            "closed_at",
            "closure_reason",
            "status",
        )
        .annotate(
            activated=Min("status_changes__at", filter=Q(status_changes__to_status="active")),
            left_active=Min("status_changes__at", filter=Q(status_changes__from_status="active")),
            office_since=Max("assignments__at"),
            # Counted over a join with the assignments, so only "any or none" is meaningful.
            irregular=Count(
                "status_changes",
                filter=Q(status_changes__to_status="at_large")
                | Q(status_changes__from_status="at_large")
                | Q(status_changes__from_status="closed"),
            ),
        )
    )
