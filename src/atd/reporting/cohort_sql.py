"""The cohort status report as one set-based SQL query (PostgreSQL and SQLite).

Why this shape: a court status report over millions of cases must not walk three history
tables per case. It starts from each case's *current* state (the case row and court's per-case
summary) and corrects only the cases whose history moved after the cutoff:

* case status: closed is terminal, so a case whose first status change after the cutoff
  exists was in that change's `from_status` at the cutoff; otherwise its current status holds;
* office: the latest assignment at or before the cutoff, for cases reassigned after it;
* legal status: the latest step overall answers whenever it took effect by the as-of date and
  was known by the knowledge time; only people with a later or late-recorded step are looked
  up in the timeline;
* notices carry their own dates (issued, served, reported, and when each was recorded).

Rows recorded after the knowledge time are invisible, so the same parameters give the same
answer later, whatever has been recorded since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection

from atd.core.scope import Scope
from atd.court.selectors import court_tables
from atd.people.selectors import case_queryset_in_scope
from atd.reporting.rules import CohortFilters, as_of_cutoff

ADMIN = Scope(role="admin", user_id=None, office_id=None)


def people_tables() -> dict[str, str]:
    """Table names of the people app, read from its selectors' models (no import of them)."""
    case_model = case_queryset_in_scope(ADMIN).model
    meta = case_model._meta
    return {
        "case": meta.db_table,
        "participant": meta.get_field("participant").related_model._meta.db_table,  # type: ignore[union-attr]
        "office": meta.get_field("office").related_model._meta.db_table,  # type: ignore[union-attr]
        "status_change": meta.get_field("status_changes").related_model._meta.db_table,  # type: ignore[union-attr]
        "assignment": meta.get_field("assignments").related_model._meta.db_table,  # type: ignore[union-attr]
    }


@dataclass(frozen=True)
class CohortQuery:
    filters: CohortFilters
    as_of: date
    known_at: datetime
    office_id: int | None = None  # a supervisor's report is limited to their office
    missed_window_days: int = 90


CATEGORY_SQL = """
    CASE
      WHEN b.legal = 'removed' OR b.cr = 'removed' THEN 'removed'
      WHEN b.legal = 'voluntarily_departed' OR b.cr = 'voluntarily_departed'
        THEN 'voluntarily_departed'
      WHEN b.legal = 'deceased' OR b.cr = 'deceased' THEN 'deceased'
      WHEN b.legal = 'in_custody' OR b.cr = 'taken_into_custody' THEN 'in_custody'
      WHEN b.st = 'closed' AND (b.legal = 'relief_granted' OR b.cr = 'relief_granted')
        THEN 'relief_granted'
      WHEN b.st = 'closed' THEN 'closed_other'
      WHEN b.st = 'pending_first_report' AND b.report_by < %(as_of)s AND NOT b.reported
        THEN 'whereabouts_unknown'
      WHEN b.st = 'pending_first_report' THEN 'awaiting_first_report'
      WHEN b.missed THEN 'active_missed_obligations'
      ELSE 'active_compliant'
    END"""

NOTICE_SQL = """
    CASE
      WHEN b.nta_issued_on IS NULL OR b.nta_issued_on > %(as_of)s
        OR b.nta_recorded_at > %(known)s THEN 'none'
      WHEN b.nta_served_on <= %(as_of)s AND b.nta_served_recorded_at <= %(known)s THEN 'served'
      ELSE 'not_served'
    END"""


_COUNTS_SQL = """
    SELECT category, nat, office_id, notice, COUNT(*) FROM (
      SELECT {category} AS category, b.nat, b.office_id, {notice} AS notice FROM b
    ) r GROUP BY category, nat, office_id, notice
    ORDER BY category, nat, office_id, notice""".replace("{category}", CATEGORY_SQL).replace(
    "{notice}", NOTICE_SQL
)
_LIST_SQL = """
    SELECT b.a_number, b.nat, b.office_id, {category} AS category, {notice} AS notice
    FROM b ORDER BY b.a_number, b.case_id""".replace("{category}", CATEGORY_SQL).replace(
    "{notice}", NOTICE_SQL
)


def _base_sql(q: CohortQuery, t: dict[str, str], params: dict[str, Any]) -> str:
    where = ["c.release_date <= %(as_of)s", "c.opened_at <= %(known)s"]
    f = q.filters
    if f.release_from:
        where.append("c.release_date >= %(release_from)s")
        params["release_from"] = _d(f.release_from)
    if f.release_to:
        where.append("c.release_date <= %(release_to)s")
        params["release_to"] = _d(f.release_to)
    for column, values, name in (
        ("c.release_type", f.release_types, "rt"),
        ("c.releasing_facility", f.facilities, "fac"),
        ("o.code", f.office_codes, "oc"),
        ("p.country_of_citizenship", f.nationalities, "nat"),
    ):
        if values:
            names = []
            for i, value in enumerate(values):
                params[f"{name}{i}"] = value
                names.append(f"%({name}{i})s")
            where.append(f"{column} IN ({', '.join(names)})")
    if q.office_id is not None:
        where.append("c.office_id = %(scope_office)s")
        params["scope_office"] = q.office_id
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    false = "FALSE" if connection.vendor == "postgresql" else "0"
    return f"""
    WITH late_status AS (
      SELECT case_id, from_status FROM (
        SELECT case_id, from_status,
               ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY at, id) AS rn
        FROM {t["status_change"]} WHERE at > %(cut)s
      ) x WHERE rn = 1
    ),
    late_office AS (
      SELECT case_id, office_id FROM (
        SELECT a.case_id, a.office_id,
               ROW_NUMBER() OVER (PARTITION BY a.case_id ORDER BY a.at DESC, a.id DESC) AS rn
        FROM {t["assignment"]} a
        WHERE a.at <= %(cut)s
          AND a.case_id IN (SELECT case_id FROM {t["assignment"]} WHERE at > %(cut)s)
      ) x WHERE rn = 1
    ),
    late_legal AS (
      SELECT participant_id, status FROM (
        SELECT e.participant_id, e.status,
               ROW_NUMBER() OVER (PARTITION BY e.participant_id
                                  ORDER BY e.effective_on DESC, e.recorded_at DESC, e.id DESC) AS rn
        FROM {t["legal_status"]} e
        WHERE e.effective_on <= %(as_of)s AND e.recorded_at <= %(known)s
          AND e.participant_id IN (
            SELECT participant_id FROM {t["legal_status"]}
            WHERE effective_on > %(as_of)s OR recorded_at > %(known)s)
      ) x WHERE rn = 1
    ),
    missed AS (
      SELECT DISTINCT case_id FROM {t["hearing"]}
      WHERE outcome = 'failed_to_appear' AND scheduled_at < %(cut)s
        AND scheduled_at >= %(missed_from)s AND outcome_recorded_at <= %(known)s
    ),
    b AS (
      SELECT c.id AS case_id, p.a_number, p.country_of_citizenship AS nat,
        COALESCE(lo.office_id, c.office_id) AS office_id,
        CASE WHEN ls.case_id IS NOT NULL THEN COALESCE(NULLIF(ls.from_status, ''),
             'pending_first_report') ELSE c.status END AS st,
        CASE WHEN ls.case_id IS NOT NULL THEN '' ELSE c.closure_reason END AS cr,
        CASE WHEN s.legal_status_effective_on <= %(as_of)s
                  AND s.legal_status_recorded_at <= %(known)s THEN s.legal_status
             ELSE COALESCE(ll.status, '') END AS legal,
        s.ntr_report_by AS report_by,
        CASE WHEN s.ntr_reported_on <= %(as_of)s AND s.ntr_reported_recorded_at <= %(known)s
             THEN {true} ELSE {false} END AS reported,
        s.nta_issued_on, s.nta_recorded_at, s.nta_served_on, s.nta_served_recorded_at,
        CASE WHEN m.case_id IS NOT NULL THEN {true} ELSE {false} END AS missed
      FROM {t["case"]} c
      JOIN {t["participant"]} p ON p.id = c.participant_id
      JOIN {t["office"]} o ON o.id = c.office_id
      LEFT JOIN {t["summary"]} s ON s.case_id = c.id
      LEFT JOIN late_status ls ON ls.case_id = c.id
      LEFT JOIN late_office lo ON lo.case_id = c.id
      LEFT JOIN late_legal ll ON ll.participant_id = c.participant_id
      LEFT JOIN missed m ON m.case_id = c.id
      WHERE {" AND ".join(where)}
    )"""  # noqa: S608 -- table names come from model metadata; every value is a bound parameter


def _d(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _params(q: CohortQuery) -> dict[str, Any]:
    cut = as_of_cutoff(q.as_of, q.known_at)
    return {
        "as_of": _d(q.as_of),
        "known": connection.ops.adapt_datetimefield_value(q.known_at),
        "cut": connection.ops.adapt_datetimefield_value(cut),
        "missed_from": connection.ops.adapt_datetimefield_value(
            cut - timedelta(days=q.missed_window_days)
        ),
    }


def _tables() -> dict[str, str]:
    t = people_tables()
    court = court_tables()
    t.update(legal_status=court["legal_status"], hearing=court["hearing"], summary=court["summary"])
    return t


def cohort_status_rows(q: CohortQuery) -> list[tuple[str, str, int, str, int]]:
    """(category, nationality, office id, notice state, count), sorted."""
    params = _params(q)
    sql = _base_sql(q, _tables(), params) + _COUNTS_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]


def cohort_list_rows(q: CohortQuery) -> list[tuple[str, str, int, str, str]]:
    """(a_number, nationality, office id, category, notice state) per case, by A-number."""
    params = _params(q)
    sql = _base_sql(q, _tables(), params) + _LIST_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]
