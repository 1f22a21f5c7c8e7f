"""Reads of supervision plans, zones and curfews, as plain values for other apps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q

from atd.core.audit import audit_record
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import participant_get_in_scope, participant_ids_in_scope
from atd.supervision.choices import DeviceTaskStatus
from atd.supervision.models import CostRate, CurfewWindow, DeviceTask, Plan, PlanChange, Zone
from atd.supervision.rules import DEFAULT_COST_PER_DAY, CurfewSpec, PlanSpec, ZoneSpec, cost_rate_on


def zones_for_participants(participant_ids: Iterable[int]) -> dict[int, list[ZoneSpec]]:
    out: dict[int, list[ZoneSpec]] = defaultdict(list)
    ids = list(set(participant_ids))
    for start in range(0, len(ids), 900):
        for z in Zone.objects.filter(participant_id__in=ids[start : start + 900], is_active=True):
            out[z.participant_id].append(
                ZoneSpec(
                    id=z.pk,
                    participant_id=z.participant_id,
                    kind=z.kind,
                    purpose=z.purpose,
                    center_lat=z.center_lat,
                    center_lon=z.center_lon,
                    radius_m=z.radius_m,
                    polygon=z.polygon,
                )
            )
    return dict(out)


def zones_signature() -> tuple[int, int, int, int]:
    """A value that changes whenever a zone or curfew is created or deactivated (the services
    only create and deactivate; geometry is never edited in place), so a reader that caches
    zones (the telemetry pipeline) can check its cache with two cheap queries per batch."""
    zones = Zone.objects.aggregate(top=Max("id"), active=Count("id", filter=Q(is_active=True)))
    curfews = CurfewWindow.objects.aggregate(
        top=Max("id"), active=Count("id", filter=Q(is_active=True))
    )
    return (zones["top"] or 0, zones["active"], curfews["top"] or 0, curfews["active"])


def curfews_for_participants(participant_ids: Iterable[int]) -> dict[int, list[CurfewSpec]]:
    out: dict[int, list[CurfewSpec]] = defaultdict(list)
    ids = list(set(participant_ids))
    for start in range(0, len(ids), 900):
        for c in CurfewWindow.objects.filter(
            participant_id__in=ids[start : start + 900], is_active=True
        ):
            out[c.participant_id].append(
                CurfewSpec(
                    id=c.pk,
                    participant_id=c.participant_id,
                    zone_id=c.zone_id,
                    weekdays=tuple(c.weekdays),
                    start=c.start,
                    end=c.end,
                    timezone=c.timezone,
                )
            )
    return dict(out)


def plan_current(participant_id: int) -> Plan | None:
    return Plan.objects.filter(participant_id=participant_id, is_active=True).first()


def _plan_spec(p: Plan) -> PlanSpec:
    return PlanSpec(
        id=p.pk,
        participant_id=p.participant_id,
        technology=p.technology,
        cadence_days=p.cadence_days,
        checkin_mode=p.checkin_mode,
        start_date=p.start_date,
        recorded_on=p.created_at.date(),
    )


def plan_specs_active(*, after_id: int = 0, limit: int = 2000) -> list[PlanSpec]:
    """Active plans in id order, one page at a time (for system jobs such as window
    generation; callers apply no scope because they act for the system, not a user)."""
    rows = Plan.objects.filter(is_active=True, pk__gt=after_id).order_by("pk")[:limit]
    return [_plan_spec(p) for p in rows]


def plan_spec_current(participant_id: int) -> PlanSpec | None:
    plan = plan_current(participant_id)
    return _plan_spec(plan) if plan is not None else None


@dataclass
class PlanHistory:
    current: Plan | None
    changes: list[PlanChange]
    device_tasks: list[DeviceTask]


def plan_history_read(*, scope: Scope, actor: Any, participant_id: int) -> PlanHistory:
    """The current plan, every change (who, when, why) and the device tasks they opened."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    participant_get_in_scope(scope=scope, participant_id=participant_id)
    history = PlanHistory(
        current=plan_current(participant_id),
        changes=list(
            PlanChange.objects.filter(participant_id=participant_id)
            .select_related("plan", "previous_plan")
            .order_by("-at", "-id")
        ),
        device_tasks=list(
            DeviceTask.objects.filter(participant_id=participant_id).order_by("-created_at")
        ),
    )
    audit_record(
        actor=actor, action="plan.read", object_type="participant", object_ids=[participant_id]
    )
    return history


def device_tasks_open(*, scope: Scope, limit: int = 200) -> list[DeviceTask]:
    """Open device assignment/return/swap tasks in the caller's scope, oldest first (for the
    devices app's work queue)."""
    return list(
        DeviceTask.objects.filter(
            status=DeviceTaskStatus.OPEN, participant_id__in=participant_ids_in_scope(scope)
        ).order_by("created_at", "pk")[:limit]
    )


def device_task_get(*, scope: Scope, task_id: int) -> DeviceTask:
    task = DeviceTask.objects.filter(
        pk=task_id, participant_id__in=participant_ids_in_scope(scope)
    ).first()
    if task is None:
        raise NotFound()
    return task


def cost_rates_list() -> list[CostRate]:
    return list(CostRate.objects.order_by("technology", "-effective_from"))


def cost_rate_table(on: date) -> dict[str, Decimal]:
    """Rate per participant-day for every technology and detention on a date; a technology
    with no stored rate falls back to the documented default."""
    rates = [(r.technology, r.effective_from, r.per_day) for r in CostRate.objects.all()]
    table: dict[str, Decimal] = {}
    for tech, default in DEFAULT_COST_PER_DAY.items():
        found = cost_rate_on(rates, tech, on)
        table[tech] = found if found is not None else default
    return table


def plan_technology_counts(scope: Scope) -> dict[str, int]:
    """Active plans by technology among the caller's participants (costs, dashboards)."""
    from django.db.models import Count

    rows = (
        Plan.objects.filter(is_active=True, participant_id__in=participant_ids_in_scope(scope))
        .values("technology")
        .annotate(n=Count("id"))
    )
    return {r["technology"]: r["n"] for r in rows}


def plan_intervals_overlapping(
    start: date, end: date
) -> Iterator[tuple[int, str, date, date | None]]:
    """(participant id, technology, start date, end date or None) of every plan that was in
    force on some day of [start, end], streamed (for cost reports over every participant)."""
    plans = Plan.objects.filter(start_date__lte=end).exclude(end_date__lte=start)
    yield from plans.values_list("participant_id", "technology", "start_date", "end_date").iterator(
        chunk_size=5000
    )


def device_tasks_open_for_participant(participant_id: int) -> list[DeviceTask]:
    """A participant's open assign / swap / return tasks, oldest first (the caller has
    checked the participant's scope: the devices panel of the participant page)."""
    return list(
        DeviceTask.objects.filter(
            participant_id=participant_id, status=DeviceTaskStatus.OPEN
        ).order_by("created_at", "pk")
    )
