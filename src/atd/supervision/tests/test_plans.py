"""Supervision plans: history, device tasks on technology changes, cost rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from atd.core.errors import Forbidden, ValidationFailed
from atd.core.scope import Scope
from atd.supervision.models import DeviceTask, PlanChange
from atd.supervision.rules import cost_rate_on, device_task_kind
from atd.supervision.selectors import cost_rate_table, plan_history_read
from atd.supervision.services import cost_rate_set, device_task_close, plan_set
from atd.testing.world import World


def test_moving_onto_a_monitor_asks_for_a_device() -> None:
    assert device_task_kind("", "gps_ankle") == "assign"
    assert device_task_kind("smartphone", "wrist") == "assign"


def test_stepping_down_from_a_monitor_asks_for_its_return() -> None:
    assert device_task_kind("gps_ankle", "smartphone") == "return"


def test_changing_monitor_kind_is_a_swap_and_same_technology_is_nothing() -> None:
    assert device_task_kind("gps_ankle", "wrist") == "swap"
    assert device_task_kind("wrist", "wrist") is None
    assert device_task_kind("smartphone", "telephone") is None


def test_newest_rate_effective_on_the_day_wins() -> None:
    rates = [
        ("gps_ankle", date(2020, 1, 1), Decimal("2.75")),
        ("gps_ankle", date(2026, 1, 1), Decimal("3.10")),
    ]
    assert cost_rate_on(rates, "gps_ankle", date(2025, 6, 1)) == Decimal("2.75")
    assert cost_rate_on(rates, "gps_ankle", date(2026, 6, 1)) == Decimal("3.10")
    assert cost_rate_on(rates, "wrist", date(2026, 6, 1)) is None


def _set(world: World, tech: str, reason: str = "change") -> Any:
    officer = world.users["case_officer"]
    return plan_set(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=world.participants["officer_a"].pk,
        technology=tech,
        cadence_days=28,
        checkin_mode="in_person",
        start_date=date(2026, 3, 1),
        reason=reason,
    )


@pytest.mark.django_db
def test_every_plan_change_is_kept_with_actor_and_reason(world: World) -> None:
    _set(world, "gps_ankle", "initial plan")
    _set(world, "smartphone", "step-down after 90 compliant days")
    officer = world.users["case_officer"]
    history = plan_history_read(
        scope=Scope.for_user(officer),
        actor=officer,
        participant_id=world.participants["officer_a"].pk,
    )
    assert history.current is not None and history.current.technology == "smartphone"
    assert [c.reason for c in history.changes] == [
        "step-down after 90 compliant days",
        "initial plan",
    ]
    assert {c.actor_label for c in history.changes} == {officer.username}


@pytest.mark.django_db
def test_technology_change_opens_a_device_task_once(world: World) -> None:
    _set(world, "gps_ankle")
    _set(world, "smartphone")
    _set(world, "smartphone", "cadence only")
    kinds = list(DeviceTask.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["assign", "return"]
    assert PlanChange.objects.count() == 3


@pytest.mark.django_db
def test_device_task_is_closed_by_staff_in_scope(world: World) -> None:
    _set(world, "wrist")
    task = DeviceTask.objects.get()
    officer = world.users["case_officer"]
    closed = device_task_close(actor=officer, scope=Scope.for_user(officer), task_id=task.pk)
    assert closed.status == "done"


@pytest.mark.django_db
def test_default_cost_rates_are_seeded_including_detention(world: World) -> None:
    table = cost_rate_table(date(2026, 3, 1))
    assert table["gps_ankle"] == Decimal("2.75")
    assert table["detention"] == Decimal("152.00")


@pytest.mark.django_db
def test_only_an_admin_sets_cost_rates_and_needs_a_source(world: World) -> None:
    admin = world.users["admin"]
    with pytest.raises(Forbidden):
        cost_rate_set(
            actor=world.users["supervisor"],
            scope=Scope.for_user(world.users["supervisor"]),
            technology="gps_ankle",
            per_day="3.00",
            effective_from=date(2026, 1, 1),
            source="contract",
        )
    with pytest.raises(ValidationFailed):
        cost_rate_set(
            actor=admin,
            scope=Scope.for_user(admin),
            technology="gps_ankle",
            per_day="3.00",
            effective_from=date(2026, 1, 1),
            source=" ",
        )
    cost_rate_set(
        actor=admin,
        scope=Scope.for_user(admin),
        technology="gps_ankle",
        per_day="3.00",
        effective_from=date(2026, 1, 1),
        source="2026 contract",
    )
    assert cost_rate_table(date(2026, 3, 1))["gps_ankle"] == Decimal("3.00")
    assert cost_rate_table(date(2025, 3, 1))["gps_ankle"] == Decimal("2.75")


@pytest.mark.django_db
def test_cost_page_shows_the_detention_comparison(world: World, client_for: Any) -> None:
    r = client_for("supervisor").get("/supervision/cost-rates/")
    assert r.status_code == 200
    assert b"152.00" in r.content
