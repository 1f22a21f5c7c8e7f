"""Demo step: office capacities, and one office so under-capacity that it is booked years
ahead (the reported office was booked to 2032). Synthetic data only."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from atd.core.actors import Actor
from atd.people import selectors as people
from atd.scheduling import selectors, services
from atd.supervision import selectors as supervision
from atd.supervision import services as supervision_services

DEMO_ACTOR = Actor(id=None, label="demo-seed", role="admin")
TARGET_BACKLOG_YEARS = 6


def _busiest_office_id() -> int | None:
    counts: dict[int, int] = {}
    open_cases = people.case_queryset_in_scope(selectors.SYSTEM_SCOPE).exclude(status="closed")
    for office_id in open_cases.values_list("office_id", flat=True):
        counts[office_id] = counts.get(office_id, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _in_person_plans_for_unplanned(office_id: int, rng: random.Random) -> int:
    """Participants of the office with no plan yet report in person every 4 weeks."""
    made = 0
    cases = (
        people.case_queryset_in_scope(selectors.SYSTEM_SCOPE)
        .filter(office_id=office_id)
        .exclude(status="closed")
        .values_list("participant_id", "release_date")
    )
    for participant_id, release_date in cases:
        if supervision.plan_current(participant_id) is not None:
            continue
        supervision_services.plan_set(
            actor=DEMO_ACTOR,
            scope=selectors.SYSTEM_SCOPE,
            participant_id=participant_id,
            technology="in_person",
            cadence_days=28,
            checkin_mode="in_person",
            start_date=release_date + timedelta(days=rng.randrange(0, 28)),
            reason="demo: reports in person",
        )
        made += 1
    return made


def under_capacity_weekly_slots(yearly_demand: int, years: int = TARGET_BACKLOG_YEARS) -> int:
    return max(1, yearly_demand // (52 * years))


def demo_seed(ctx: dict[str, Any]) -> None:
    rng = ctx.get("rng") or random.Random(4)  # noqa: S311 (synthetic data)
    offices = list(people.office_list())
    for office in offices:
        services.capacity_set(
            actor=DEMO_ACTOR,
            scope=selectors.SYSTEM_SCOPE,
            office_id=office.pk,
            slots_per_staff_day=16,
            staff_on_duty=3,
            open_weekdays=[0, 1, 2, 3, 4],
        )
    backlog_office = _busiest_office_id()
    if backlog_office is not None:
        _in_person_plans_for_unplanned(backlog_office, rng)
        office = selectors.office_get(backlog_office)
        demand = selectors.office_demand(office.pk, selectors.office_today(office))
        weekly = under_capacity_weekly_slots(len(demand.obligations))
        days = min(weekly, 5)
        services.capacity_set(
            actor=DEMO_ACTOR,
            scope=selectors.SYSTEM_SCOPE,
            office_id=office.pk,
            slots_per_staff_day=max(weekly // days, 1),
            staff_on_duty=1,
            open_weekdays=list(range(days)),
        )
    for run in services.appointments_schedule_all(actor=DEMO_ACTOR):
        ctx.setdefault("scheduling_runs", []).append(run)
    ctx["scheduling_backlog_office"] = backlog_office
