"""HTTP API of supervision: plans and their history, device tasks, cost rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from atd.core import clock
from atd.core.api import principal_of, scope_of
from atd.core.roles import Role
from atd.supervision import selectors, services

router = Router(tags=["supervision"])


class PlanOut(Schema):
    id: int
    participant_id: int
    technology: str
    cadence_days: int
    checkin_mode: str
    start_date: date
    end_date: date | None
    is_active: bool


class PlanChangeOut(Schema):
    plan_id: int
    from_technology: str
    to_technology: str
    reason: str
    actor_label: str
    at: datetime


class DeviceTaskOut(Schema):
    id: int
    participant_id: int
    kind: str
    from_technology: str
    to_technology: str
    device_id: int | None
    device_serial: str
    reason: str
    status: str
    created_at: datetime
    closed_at: datetime | None


class PlanHistoryOut(Schema):
    current: PlanOut | None
    changes: list[PlanChangeOut]
    device_tasks: list[DeviceTaskOut]


class PlanIn(Schema):
    technology: str
    cadence_days: int = Field(ge=1, le=366)
    checkin_mode: str
    start_date: date | None = None
    reason: str = Field(min_length=1, max_length=500)


class DeviceTaskCloseIn(Schema):
    status: str = "done"
    note: str = Field("", max_length=500)


class CostRateOut(Schema):
    technology: str
    per_day: Decimal
    effective_from: date
    source: str


class CostRateIn(Schema):
    technology: str
    per_day: Decimal = Field(ge=0, lt=100000)
    effective_from: date
    source: str = Field(min_length=1, max_length=200)


class CostTableOut(Schema):
    on: date
    per_day: dict[str, Decimal]


@router.get("/participants/{participant_id}/plan", response=PlanHistoryOut)
def plan_history(request: HttpRequest, participant_id: int) -> Any:
    return selectors.plan_history_read(
        scope=scope_of(request), actor=principal_of(request), participant_id=participant_id
    )


@router.post("/participants/{participant_id}/plan", response={201: PlanOut})
def plan_set(request: HttpRequest, participant_id: int, payload: PlanIn) -> tuple[int, Any]:
    scope = scope_of(request)
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    plan = services.plan_set(
        actor=principal_of(request),
        scope=scope,
        participant_id=participant_id,
        technology=payload.technology,
        cadence_days=payload.cadence_days,
        checkin_mode=payload.checkin_mode,
        start_date=payload.start_date or clock.now().date(),
        reason=payload.reason,
    )
    return 201, plan


@router.get("/device-tasks", response=list[DeviceTaskOut])
def device_task_list(request: HttpRequest) -> list[Any]:
    """Open device tasks in the caller's scope (opened by plan changes of technology and by
    confirmed departures)."""
    return selectors.device_tasks_open(scope=scope_of(request))


@router.post("/device-tasks/{task_id}/close", response=DeviceTaskOut)
def device_task_close(request: HttpRequest, task_id: int, payload: DeviceTaskCloseIn) -> Any:
    return services.device_task_close(
        actor=principal_of(request),
        scope=scope_of(request),
        task_id=task_id,
        status=payload.status,
        note=payload.note,
    )


@router.get("/cost-rates", response=list[CostRateOut])
def cost_rate_list(request: HttpRequest) -> list[Any]:
    return selectors.cost_rates_list()


@router.get("/cost-table", response=CostTableOut)
def cost_table(request: HttpRequest, on: date | None = None) -> dict[str, Any]:
    day = on or clock.now().date()
    return {"on": day, "per_day": selectors.cost_rate_table(day)}


@router.post("/cost-rates", response={201: CostRateOut})
def cost_rate_set(request: HttpRequest, payload: CostRateIn) -> tuple[int, Any]:
    rate = services.cost_rate_set(
        actor=principal_of(request),
        scope=scope_of(request),
        technology=payload.technology,
        per_day=payload.per_day,
        effective_from=payload.effective_from,
        source=payload.source,
    )
    return 201, rate
