"""The backlog-horizon report and the people booked after their deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max

from atd.core.audit import audit_record
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.scheduling import rules
from atd.scheduling.choices import AppointmentKind, AppointmentStatus
from atd.scheduling.models import Appointment
from atd.scheduling.selectors.appointments import participant_names
from atd.scheduling.selectors.offices import office_get_in_scope, office_today, offices_in_scope


@dataclass(frozen=True)
class OfficeBacklog:
    office: Any
    today: date
    horizon: rules.Horizon


def backlog_report(scope: Scope, *, office_id: int | None = None) -> list[OfficeBacklog]:
    """Per visible office: last booked day, days of backlog and people booked after their
    deadline (from each office's today). Counts only, no personal data: not audited.

    Built to stay fast at millions of appointments: the last day is one index seek per office
    (MAX over the slot constraint's (office, day, slot) index) and the late count reads only
    the partial index of late rows. The number booked needs a range count, so it is only
    given for a single office (`office_id`)."""
    offices = offices_in_scope(scope)
    if office_id is not None:
        offices = [o for o in offices if o.pk == office_id]
    if not offices:
        return []
    todays = {o.pk: office_today(o) for o in offices}
    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED)
    late_qs = booked.filter(is_late=True, day__gte=min(todays.values()))
    if scope.role != Role.ADMIN or office_id is not None:
        late_qs = late_qs.filter(office_id__in=list(todays))
    late = dict(late_qs.values("office_id").annotate(n=Count("id")).values_list("office_id", "n"))
    out = []
    for office in offices:
        mine = booked.filter(office_id=office.pk)
        last = mine.aggregate(last=Max("day"))["last"]
        count = mine.filter(day__gte=todays[office.pk]).count() if office_id is not None else None
        out.append(
            OfficeBacklog(
                office=office,
                today=todays[office.pk],
                horizon=rules.backlog_horizon(
                    today=todays[office.pk],
                    last_booked=last,
                    booked=count,
                    late=late.get(office.pk, 0),
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
    """People whose booked appointment falls after their deadline (worst first); audited."""
    office = office_get_in_scope(scope=scope, office_id=office_id)
    qs = Appointment.objects.filter(
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
            kind=AppointmentKind(kind).label,
            day=day,
            deadline=deadline,
        )
        for pk, pid, kind, day, deadline in rows
    ]
    return items, total
