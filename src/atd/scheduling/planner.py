"""The planner (a read): how an office's backlog horizon would change if participants
compliant for at least N days moved from in-person to remote check-in.

Compliance is a parameter of the pure projection. Until check-in history is exposed to this
app, the figure used is days under supervision (days since release of the open case)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings

from atd.core.audit import audit_record
from atd.core.scope import Scope
from atd.scheduling import rules, selectors

DEFAULT_THRESHOLDS = (30, 90, 180, 365, 730)
COMPLIANCE_BASIS = "days under supervision (days since release)"


@dataclass(frozen=True)
class PlannerRow:
    min_days: int | None
    moved: int
    last_day: date | None
    horizon_days: int
    late: int
    unplaced: int

    @property
    def label(self) -> str:
        return "today" if self.min_days is None else f"≥ {self.min_days} days"


@dataclass(frozen=True)
class MovedPerson:
    participant_id: int
    name: str
    compliance_days: int
    checkins: int


@dataclass(frozen=True)
class PlannerView:
    office: Any
    today: date
    current: rules.Horizon
    rows: list[PlannerRow]
    chosen: int
    moved: list[MovedPerson]
    compliance_basis: str = COMPLIANCE_BASIS

    @property
    def chosen_row(self) -> PlannerRow:
        return next(r for r in self.rows if r.min_days == self.chosen)

    @property
    def baseline(self) -> PlannerRow:
        return self.rows[0]


def planner_read(
    *,
    scope: Scope,
    actor: Any,
    office_id: int,
    min_days: int,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
) -> PlannerView:
    scope.require(*selectors.OFFICE_READ_ROLES)
    office = selectors.office_get_in_scope(scope=scope, office_id=office_id)
    today = selectors.office_today(office)
    first_day = today + timedelta(days=1)
    demand = selectors.office_demand(office.pk, today)
    arrays = rules.demand_from_obligations(demand.obligations)
    calendar = selectors.office_calendar(office, first_day, settings.ATD_SCHEDULING_CALENDAR_DAYS)
    base = first_day.toordinal()
    chosen = max(int(min_days), 0)
    all_thresholds = sorted({*thresholds, chosen}, reverse=True)
    points = rules.planner_projection(
        participant=arrays.participant,
        kind_is_checkin=arrays.kind == rules.KINDS.index(rules.KIND_CHECKIN),
        earliest=arrays.earliest - base,
        deadline=arrays.deadline - base,
        capacity=calendar.capacity,
        compliance_days=demand.compliance_days,
        thresholds=all_thresholds,
    )
    rows = [
        PlannerRow(
            min_days=p.min_days,
            moved=p.moved,
            last_day=calendar.day_of(p.last_day) if p.last_day >= 0 else None,
            horizon_days=(calendar.day_of(p.last_day) - today).days if p.last_day >= 0 else 0,
            late=p.late,
            unplaced=p.unplaced,
        )
        for p in points
    ]
    checkins: dict[int, int] = {}
    for o in demand.obligations:
        if o.kind == rules.KIND_CHECKIN:
            checkins[o.participant_id] = checkins.get(o.participant_id, 0) + 1
    moving = rules.participants_to_move(demand.compliance_days, chosen, movable=checkins)
    names = selectors.participant_names(scope, moving)
    moved = sorted(
        (
            MovedPerson(
                participant_id=pid,
                name=names.get(pid, f"#{pid}"),
                compliance_days=demand.compliance_days[pid],
                checkins=checkins[pid],
            )
            for pid in moving
        ),
        key=lambda m: (-m.compliance_days, m.name),
    )
    audit_record(
        actor=actor,
        action="scheduling.planner",
        object_type="participant",
        object_ids=[m.participant_id for m in moved],
        reason=f"planner office={office.pk} min_days={chosen}",
    )
    current = next(
        (r.horizon for r in selectors.backlog_report(scope, office_id=office.pk)),
        rules.backlog_horizon(today=today, last_booked=None, booked=0, late=0),
    )
    return PlannerView(
        office=office, today=today, current=current, rows=rows, chosen=chosen, moved=moved
    )
