"""The read model of court's timeline for set-based reports (used by `reporting`): SQL
fragments over court's tables that a report composes into one statement.

It lives in court because it reads court's tables. Fragments, not rows: see
`people.report_read`. Each fragment names its inputs (outer columns, named parameters).
"""

from __future__ import annotations

from atd.court.models import Hearing, LegalStatusEvent


def legal_status_at_sql(*, participant_id: str, as_of: str, known: str) -> str:
    """The legal status of `participant_id` (an outer column) in effect on `as_of` as known at
    `known` (named parameters), or NULL; uses the index on (participant, effective date)."""
    return (
        f"(SELECT e.status FROM {LegalStatusEvent._meta.db_table} e "  # noqa: S608 -- names from model metadata
        f"WHERE e.participant_id = {participant_id} AND e.effective_on <= %({as_of})s "
        f"AND e.recorded_at <= %({known})s "
        "ORDER BY e.effective_on DESC, e.recorded_at DESC, e.id DESC LIMIT 1)"
    )


def failed_to_appear_sql(
    *, participant_id: str, case_id: str, start: str, end: str, known: str
) -> str:
    """EXISTS: a hearing of that case the participant failed to appear at, scheduled in
    [`start`, `end`) and recorded by `known` (named parameters)."""
    return (
        f"EXISTS (SELECT 1 FROM {Hearing._meta.db_table} h "  # noqa: S608 -- names from model metadata
        f"WHERE h.participant_id = {participant_id} AND h.case_id = {case_id} "
        f"AND h.outcome = 'failed_to_appear' AND h.scheduled_at < %({end})s "
        f"AND h.scheduled_at >= %({start})s AND h.outcome_recorded_at <= %({known})s)"
    )
