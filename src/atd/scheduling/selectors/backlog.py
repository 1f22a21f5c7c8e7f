"""The backlog-horizon report and the people booked after their deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from atd.core.audit import audit_record
from atd.core.scope import Scope
from atd.scheduling import rules
from atd.scheduling.choices import AppointmentKind, AppointmentStatus
from atd.scheduling.models import Appointment
from atd.scheduling.selectors.appointments import (
    appointment_queryset_in_scope,
    participant_names,
)
from atd.scheduling.selectors.offices import office_get_in_scope, office_today, offices_in_scope


@dataclass(frozen=True)
class OfficeBacklog:
    office: Any
    today: date
    horizon: rules.Horizon


def _horizon_rows(todays: dict[int, date]) -> dict[int, tuple[date | None, int]]:
    """Last booked day and late people from each office's today, for all `todays` offices in
    ONE query: per office, one seek to the end of the slot constraint's partial
    (office, day, slot) index for the last day, and a range of the partial index that holds only
    late booked rows. No GROUP BY over the whole table, whatever its size. The conditions are
    written as literals, exactly as the partial indexes' WHERE clauses, so SQLite's planner
    (which matches them textually) uses those indexes."""
    quote = connection.ops.quote_name
    table = quote(Appointment._meta.db_table)
    office, day, status, late = (quote(c) for c in ("office_id", "day", "status", "is_late"))
    booked = f"a.{status} = '{AppointmentStatus.BOOKED.value}'"
    offices = ", ".join(["(%s, %s)"] * len(todays))
    sql = (
        f"SELECT v.column1, "  # noqa: S608 (only quoted names and fixed literals)
        f"(SELECT a.{day} FROM {table} a WHERE a.{office} = v.column1 AND {booked} "
        f"ORDER BY a.{day} DESC LIMIT 1), "
        f"(SELECT COUNT(*) FROM {table} a WHERE a.{office} = v.column1 AND {booked} "
        f"AND a.{late} AND a.{day} >= v.column2) "
        f"FROM (VALUES {offices}) AS v"
    )
    params = [value for pair in todays.items() for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = {}
    for office_id, last, count in rows:
        if isinstance(last, str):  # SQLite returns a subquery's date as text
            last = date.fromisoformat(last)
        out[int(office_id)] = (last, int(count))
    return out


def backlog_report(scope: Scope, *, office_id: int | None = None) -> list[OfficeBacklog]:
    """Per visible office: last booked day, days of backlog and people booked after their
    deadline (from each office's today). Counts only, no personal data: not audited.

    Built to stay fast at millions of appointments: one query for all offices, index seeks
    only (see `_horizon_rows`). The number booked needs a range count, so it is only given for
    a single office (`office_id`)."""
    offices = offices_in_scope(scope)
    if office_id is not None:
        offices = [o for o in offices if o.pk == office_id]
    if not offices:
        return []
    todays = {o.pk: office_today(o) for o in offices}
    horizons = _horizon_rows(todays)
    out = []
    for office in offices:
        last, late = horizons[office.pk]
        count = None
        if office_id is not None:
            count = Appointment.objects.filter(
                office_id=office.pk, status=AppointmentStatus.BOOKED, day__gte=todays[office.pk]
            ).count()
        out.append(
            OfficeBacklog(
                office=office,
                today=todays[office.pk],
                horizon=rules.backlog_horizon(
                    today=todays[office.pk], last_booked=last, booked=count, late=late
                ),
            )
        )
    out.sort(key=lambda row: -row.horizon.backlog_days)
    return out


@dataclass(frozen=True)
class LateAppointment:
    appointment_id: int
    participant_id: int
    name: str
    kind: str
    day: date
    deadline: date

    @property
    def days_late(self) -> int:
        return (self.day - self.deadline).days


def late_appointments_read(
    *, scope: Scope, actor: Any, office_id: int, limit: int = 200
) -> tuple[list[LateAppointment], int]:
    """People whose booked appointment falls after their deadline (worst first), among the
    people the caller may see: an officer's own caseload, a supervisor's office; audited."""
    office = office_get_in_scope(scope=scope, office_id=office_id)
    qs = appointment_queryset_in_scope(scope).filter(
        office_id=office.pk,
        status=AppointmentStatus.BOOKED,
        is_late=True,
        day__gte=office_today(office),
    )
    total = qs.count()
    rows = list(
        qs.order_by("deadline", "day").values_list(
            "pk", "participant_id", "kind", "day", "deadline"
        )[:limit]
    )
    names = participant_names(scope, {r[1] for r in rows})
    audit_record(
        actor=actor,
        action="appointment.late_list",
        object_type="participant",
        object_ids=sorted({r[1] for r in rows}),
        reason=f"late appointments office={office.pk}",
    )
    items = [
        LateAppointment(
            appointment_id=pk,
            participant_id=pid,
            name=names.get(pid, f"#{pid}"),
            kind=str(AppointmentKind(kind).label),
            day=day,
            deadline=deadline,
        )
        for pk, pid, kind, day, deadline in rows
    ]
    return items, total
