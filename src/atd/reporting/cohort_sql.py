"""The cohort status report as one set-based SQL query (PostgreSQL and SQLite).

Why this shape: a court status report over millions of cases must not walk several history
tables per case. It scans one derived row per case (reporting.CaseFact, refreshed from people's
case history and court's per-case summary just before) and answers "as of" from the dates on it:

* case status: on the plain path (pending -> active -> closed) the status at the cutoff follows
  from when the case was opened, activated and closed; a case that has been at large or was
  reopened is read from its status history (the latest change at or before the cutoff), so a
  report as of a past date still shows what the case was then;
* office: the current office, unless the case was reassigned after the cutoff; only then is
  its assignment history read (a correlated lookup by case);
* legal status: the latest step answers whenever it took effect by the as-of date and was
  known by the knowledge time; only otherwise is that person's timeline read;
* notices carry their own dates (issued, served, reported, and when each was recorded);
* missed hearings are looked up only for cases that have ever had one.

Rows recorded after the knowledge time are invisible, so the same parameters give the same
answer later, whatever has been recorded since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from atd.court.selectors import failed_to_appear_sql, legal_status_at_sql
from atd.people.selectors import (
    case_office_at_sql,
    case_status_at_sql,
    participant_a_number_join_sql,
    participant_a_number_open,
)
from atd.reporting.models import CaseFact
from atd.reporting.rules import CATEGORY_KEYS, NOTICE_KEYS, CohortFilters, as_of_cutoff


@dataclass(frozen=True)
class CohortQuery:
    filters: CohortFilters
    as_of: date
    known_at: datetime
    office_id: int | None = None  # a supervisor's report is limited to their office
    missed_window_days: int = 90
    # False: evaluate every row in full, ignoring the settled answers (the reference the
    # tests hold the fast path to).
    settled: bool = True


# Status at the cutoff from the three lifecycle moments (pending -> active -> closed).
_STATUS_PLAIN = """CASE WHEN f.closed_at <= %(cut)s THEN 'closed'
      WHEN f.activated_at <= %(cut)s THEN 'active' ELSE 'pending_first_report' END"""
_CLOSURE_PLAIN = "CASE WHEN f.closed_at <= %(cut)s THEN f.closure_reason ELSE '' END"
# A case that has been at large or was reopened: its status history answers (the plain answer
# only before its first change).
_STATUS_HISTORY = (
    "CASE WHEN f.irregular_changes > 0 THEN COALESCE({status_at}, "
    + _STATUS_PLAIN
    + ") ELSE "
    + _STATUS_PLAIN
    + " END"
)
_CLOSURE_HISTORY = (
    "CASE WHEN f.irregular_changes > 0 THEN COALESCE({closure_at}, '') ELSE "
    + _CLOSURE_PLAIN
    + " END"
)
# The latest legal status answers unless it took effect after the as-of date or was recorded
# after the knowledge time; then the step before it; only people with three or more steps,
# the last two both too late, have their timeline read (index on participant).
_LEGAL = """CASE WHEN f.legal_effective_on IS NULL THEN ''
      WHEN f.legal_effective_on <= %(as_of)s AND f.legal_recorded_at <= %(known)s
        THEN f.legal_status
      WHEN f.legal_prev_effective_on <= %(as_of)s AND f.legal_prev_recorded_at <= %(known)s
        THEN f.legal_prev_status
      WHEN f.legal_events <= 2 THEN ''
      ELSE COALESCE({legal_at}, '') END"""
_LEGAL_FAST = _LEGAL.split("      WHEN f.legal_events")[0] + "      ELSE '' END"
# 1 when a row needs a correlated look-up (office history, legal timeline, hearings); such
# rows are counted by a second, small query, so the big scan stays parallel-safe.
_LOOKUP = """CASE WHEN f.office_since > %(cut)s OR f.fta_count > 0 OR f.irregular_changes > 0
        THEN 1
      WHEN f.legal_effective_on IS NULL THEN 0
      WHEN f.legal_effective_on <= %(as_of)s AND f.legal_recorded_at <= %(known)s THEN 0
      WHEN f.legal_prev_effective_on <= %(as_of)s AND f.legal_prev_recorded_at <= %(known)s
        THEN 0
      WHEN f.legal_events <= 2 THEN 0
      ELSE 1 END"""
_OFFICE = """CASE WHEN f.office_since <= %(cut)s THEN f.office_id
      ELSE COALESCE({office_at}, f.office_id) END"""
_MISSED = """CASE WHEN f.fta_count = 0 THEN 0
      WHEN {fta} THEN 1
      ELSE 0 END"""
_REPORTED = """CASE WHEN f.ntr_reported_on <= %(as_of)s
      AND f.ntr_reported_recorded_at <= %(known)s THEN 1 ELSE 0 END"""

_RANK = """CASE {value} WHEN 'removed' THEN 1 WHEN 'voluntarily_departed' THEN 2
      WHEN 'deceased' THEN 3 WHEN 'in_custody' THEN 4 WHEN 'taken_into_custody' THEN 4
      WHEN 'relief_granted' THEN 5 ELSE 9 END"""
# Cases not ended by removal, departure, death or custody: closed for another reason (left
# the program, 11, or other, 6), at large (12), awaiting or past the first report, active.
_OPEN = """CASE WHEN {status} = 'closed' THEN
        CASE WHEN {closure} = 'left_program' THEN 11 ELSE 6 END
      WHEN {status} = 'at_large' THEN 12
      WHEN {status} = 'pending_first_report' THEN
        CASE WHEN f.ntr_report_by < %(as_of)s AND {reported} = 0 THEN 7
             ELSE 8 END
      WHEN {missed} = 1 THEN 9
      ELSE 10 END"""
# The category as its position in rules.CATEGORIES (1-based; integers group and sort fast):
# the first that applies. Written as simple CASEs
# over ranks so the legal-status lookup runs at most once per case.
_CATEGORY = """CASE {least}({legal_rank}, {closure_rank})
      WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 3 WHEN 4 THEN 4
      WHEN 5 THEN CASE WHEN {status} = 'closed' THEN 5 ELSE {open} END
      ELSE {open} END"""
_NOTICE = """CASE
      WHEN f.nta_issued_on IS NULL OR f.nta_issued_on > %(as_of)s
        OR f.nta_recorded_at > %(known)s THEN 3
      WHEN f.nta_served_on <= %(as_of)s AND f.nta_served_recorded_at <= %(known)s THEN 1
      ELSE 2 END"""


def _category_sql(t: dict[str, str], *, fast: bool = False) -> str:
    """The category expression; `fast` leaves out every look-up (for rows that need none)."""
    fill = {key: t[key] for key in ("legal_at", "office_at", "fta")}
    missed = "0" if fast else _MISSED.format(**fill)
    # Fast rows are on the plain path (an irregular history always needs the look-up).
    status = _STATUS_PLAIN if fast else _STATUS_HISTORY.format(status_at=t["status_at"])
    closure = _CLOSURE_PLAIN if fast else _CLOSURE_HISTORY.format(closure_at=t["closure_at"])
    open_sql = _OPEN.format(status=status, closure=closure, reported=_REPORTED, missed=missed)
    return _CATEGORY.format(
        least="LEAST" if connection.vendor == "postgresql" else "MIN",
        legal_rank=_RANK.format(value=(_LEGAL_FAST if fast else _LEGAL.format(**fill))),
        closure_rank=_RANK.format(value=closure),
        status=status,
        open=open_sql,
    )


def _where(q: CohortQuery, params: dict[str, Any]) -> str:
    where = ["f.release_date <= %(as_of)s", "f.opened_at <= %(known)s"]
    f = q.filters
    if f.release_from:
        where.append("f.release_date >= %(release_from)s")
        params["release_from"] = _d(f.release_from)
    if f.release_to:
        where.append("f.release_date <= %(release_to)s")
        params["release_to"] = _d(f.release_to)
    office_ids = _office_ids(f.office_codes)
    for column, values, name in (
        ("f.release_type", f.release_types, "rt"),
        ("f.facility", f.facilities, "fac"),
        ("f.office_id", office_ids, "oc"),
        ("f.nationality", f.nationalities, "nat"),
    ):
        if values:
            names = []
            for i, value in enumerate(values):
                params[f"{name}{i}"] = value
                names.append(f"%({name}{i})s")
            where.append(f"{column} IN ({', '.join(names)})")
    if q.office_id is not None:
        where.append("f.office_id = %(scope_office)s")
        params["scope_office"] = q.office_id
    return " AND ".join(where)


# Counts are grouped on one packed integer key: with several expression keys the planner
# multiplies its default guesses and, expecting millions of groups, sorts every row; with one
# key it hashes (a few thousand real groups). The key packs category, NTA state, the two
# letters of the country code and the office id; `_unpack` reverses it.
_OFFICE_SPAN = 2147483648


def _key_sql(t: dict[str, str], *, lookups: bool) -> str:
    """The packed key (category, NTA state, country code letters, office id) of one row."""
    office = _OFFICE.format(office_at=t["office_at"]) if lookups else "f.office_id"
    code = "ASCII" if connection.vendor == "postgresql" else "UNICODE"
    letters = (
        f"(COALESCE({code}(SUBSTR(f.nationality, 1, 1)), 0) * 256"
        f" + COALESCE({code}(SUBSTR(f.nationality, 2, 1)), 0))"
    )
    category = _category_sql(t, fast=not lookups)
    return f"((({category}) * 4 + ({_NOTICE})) * 65536 + {letters}) * {_OFFICE_SPAN} + ({office})"


# A settled row's answer is its stored key: every date on it is on or before the as-of date
# and every moment on it at or before the cutoff (which is never after the knowledge time).
_SETTLED = "(f.settled_on <= %(as_of)s AND f.settled_at <= %(cut)s)"
_UNSETTLED = "(f.settled_on IS NULL OR f.settled_on > %(as_of)s OR f.settled_at > %(cut)s)"


def _counts_sql(q: CohortQuery, t: dict[str, str], params: dict[str, Any], *, lookups: bool) -> str:
    """Counts by packed key over the rows that need look-ups (`lookups=True`: full expression,
    few rows) or over all the others (no sub-plans, so PostgreSQL can scan in parallel).
    In the big scan a settled row contributes its stored key, so the wide expression runs only
    on the rows whose answer still depends on the dates (`q.settled=False`: on every row)."""
    key = _key_sql(t, lookups=lookups)
    if lookups:
        unsettled = f" AND {_UNSETTLED}" if q.settled else ""
        # Implied by the look-up test; written out so the three indexes on it can find the rows.
        candidates = (
            "(f.fta_count > 0 OR f.legal_events > 2 OR f.office_since > %(cut)s"
            " OR f.irregular_changes > 0)"
        )
        where = f"{_where(q, params)}{unsettled} AND {candidates} AND ({_LOOKUP}) = 1"
    elif q.settled:
        key = f"CASE WHEN {_SETTLED} THEN f.settled_key ELSE {key} END"
        # OR evaluates left to right: a settled row never evaluates the look-up test.
        where = f"{_where(q, params)} AND ({_SETTLED} OR ({_LOOKUP}) = 0)"
    else:
        where = f"{_where(q, params)} AND ({_LOOKUP}) = 0"
    # Materialised, the key is a plain column the planner can hash-aggregate; grouping on an
    # expression that holds sub-plans makes it sort every row.
    materialized = "MATERIALIZED " if lookups and connection.vendor == "postgresql" else ""
    return f"""
    WITH r AS {materialized}(
      SELECT {key} AS k FROM {t["facts"]} f WHERE {where}
    ) SELECT k, COUNT(*) FROM r GROUP BY k"""  # noqa: S608 -- names from model metadata; values bound


# Far enough ahead that every date and moment on a row has passed: the settled answer.
_END_OF_TIME = date(9999, 12, 30)


def _settle_sql(t: dict[str, str], ids_where: str) -> str:
    pg = connection.vendor == "postgresql"
    if pg:
        on = (
            "GREATEST(f.release_date, f.legal_effective_on, f.nta_issued_on, f.nta_served_on,"
            " f.ntr_report_by + 1, f.ntr_reported_on)"
        )
        at = (
            "GREATEST(f.opened_at, f.office_since, f.activated_at, f.closed_at,"
            " f.legal_recorded_at, f.nta_recorded_at, f.nta_served_recorded_at,"
            " f.ntr_reported_recorded_at)"
        )
    else:  # SQLite: MAX() of several values is NULL if any is; ISO text sorts as time does
        d0, t0 = "'0001-01-01'", "'0001-01-01 00:00:00'"
        on = (
            f"MAX(f.release_date, COALESCE(f.legal_effective_on, {d0}),"
            f" COALESCE(f.nta_issued_on, {d0}), COALESCE(f.nta_served_on, {d0}),"
            f" COALESCE(DATE(f.ntr_report_by, '+1 day'), {d0}),"
            f" COALESCE(f.ntr_reported_on, {d0}))"
        )
        at = (
            "MAX(f.opened_at, "
            + ", ".join(
                f"COALESCE(f.{c}, {t0})"
                for c in (
                    "office_since",
                    "activated_at",
                    "closed_at",
                    "legal_recorded_at",
                    "nta_recorded_at",
                    "nta_served_recorded_at",
                    "ntr_reported_recorded_at",
                )
            )
            + ")"
        )
    # A failure to appear on record is never settled: the missed-obligation window moves with
    # the as-of date; nor is a status history off the plain path (at large, reopened), which
    # the look-up-free expression cannot read. The key is the look-up-free expression,
    # evaluated at the end of time.
    never = "f.fta_count > 0 OR f.irregular_changes > 0"
    return f"""
    UPDATE {t["facts"]} AS f SET
      settled_on = CASE WHEN {never} THEN NULL ELSE {on} END,
      settled_at = {at},
      settled_key = CASE WHEN {never} THEN NULL ELSE {_key_sql(t, lookups=False)} END
    WHERE {ids_where}"""  # noqa: S608 -- names from model metadata; values bound


def case_facts_settle(case_ids: list[int] | None = None) -> int:
    """Stores each row's settled answer (every fact row when `case_ids` is None)."""
    end = datetime.combine(_END_OF_TIME, datetime.min.time(), tzinfo=UTC)
    params: dict[str, Any] = {
        "as_of": _d(_END_OF_TIME),
        "known": connection.ops.adapt_datetimefield_value(end),
        "cut": connection.ops.adapt_datetimefield_value(end),
        "missed_from": connection.ops.adapt_datetimefield_value(end),
    }
    if case_ids is None:
        ids_where = "1 = 1"
    else:
        for i, case_id in enumerate(case_ids):
            params[f"id{i}"] = int(case_id)
        ids_where = f"f.case_id IN ({', '.join(f'%(id{i})s' for i in range(len(case_ids)))})"
        if not case_ids:
            return 0
    with connection.cursor() as cursor:
        cursor.execute(_settle_sql(_tables(), ids_where), params)
        return int(cursor.rowcount)


def _unpack(key: int) -> tuple[int, str, int, int]:
    """(category number, country code, office id, notice number) from a packed key."""
    office_id = key % _OFFICE_SPAN
    rest = key // _OFFICE_SPAN
    letters, kinds = rest % 65536, rest // 65536
    nationality = "".join(chr(c) for c in (letters // 256, letters % 256) if c)
    return kinds // 4, nationality, office_id, kinds % 4


def _list_sql(q: CohortQuery, t: dict[str, str], params: dict[str, Any]) -> str:
    office = _OFFICE.format(office_at=t["office_at"])
    return f"""
    SELECT p.a_number, f.nationality, {office} AS office_id, {_category_sql(t)} AS category,
      {_NOTICE} AS notice, f.participant_id
    FROM {t["facts"]} f {t["participant_join"]}
    WHERE {_where(q, params)}
    ORDER BY f.case_id"""  # noqa: S608 -- names from model metadata; values bound


def _office_ids(codes: tuple[str, ...]) -> tuple[int, ...]:
    if not codes:
        return ()
    from atd.people.selectors import office_list

    found = tuple(o.pk for o in office_list() if o.code in set(codes))
    return found or (-1,)


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
    """The fragments the report composes: people's and court's read models, and the facts."""
    return {
        "legal_at": legal_status_at_sql(
            participant_id="f.participant_id", as_of="as_of", known="known"
        ),
        "office_at": case_office_at_sql(case_id="f.case_id", moment="cut"),
        "status_at": case_status_at_sql(case_id="f.case_id", moment="cut"),
        "closure_at": case_status_at_sql(
            case_id="f.case_id", moment="cut", column="closure_reason"
        ),
        "fta": failed_to_appear_sql(
            participant_id="f.participant_id",
            case_id="f.case_id",
            start="missed_from",
            end="cut",
            known="known",
        ),
        "participant_join": participant_a_number_join_sql(
            alias="p", participant_id="f.participant_id"
        ),
        "facts": CaseFact._meta.db_table,
    }


def cohort_status_rows(q: CohortQuery) -> list[tuple[str, str, int, str, int]]:
    """(category, nationality, office id, notice state, count), sorted."""
    params = _params(q)
    tables = _tables()
    totals: dict[int, int] = {}
    for lookups in (False, True):
        sql = _counts_sql(q, tables, params, lookups=lookups)
        for key, n in _run(sql, params):
            totals[int(key)] = totals.get(int(key), 0) + int(n)
    rows = []
    for key, n in totals.items():
        cat, nat, office_id, notice = _unpack(key)
        rows.append((CATEGORY_KEYS[cat - 1], nat, office_id, NOTICE_KEYS[notice - 1], n))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3]))


def cohort_list_rows(q: CohortQuery) -> list[tuple[str, str, int, str, str, int]]:
    """(a_number, nationality, office id, category, notice state, participant id) per case,
    by A-number (the participant id is for the audit entry of the export, not the file)."""
    params = _params(q)
    sql = _list_sql(q, _tables(), params)
    # A-numbers are encrypted at rest (ADR 0021): decrypted here, one per row, and sorted in
    # Python (the rows come in case order, so equal A-numbers keep it).
    rows = [
        (
            participant_a_number_open(a_number),
            nat or "",
            office_id,
            CATEGORY_KEYS[cat - 1],
            NOTICE_KEYS[notice - 1],
            pid,
        )
        for a_number, nat, office_id, cat, notice, pid in _run(sql, params)
    ]
    rows.sort(key=lambda r: r[0])
    return rows


def _run(sql: str, params: dict[str, Any]) -> list[Any]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One big aggregate: let it hash in memory instead of spilling to disk.
            mb = int(getattr(settings, "ATD_REPORT_WORK_MEM_MB", 256))
            cursor.execute(f"SET LOCAL work_mem = '{mb}MB'")
            # JIT-compiling this wide CASE costs seconds and saves less than it costs.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]
