"""Return tasks opened for devices still held (a confirmed departure), and completed when the
device comes back."""

from __future__ import annotations

from datetime import UTC, datetime

from atd.core import clock
from atd.core.scope import Scope
from atd.supervision import selectors, services
from atd.supervision.rules import change_task_completed_by, return_task_completed_by
from atd.testing.world import World

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def test_a_return_task_for_a_device_is_completed_by_that_device_only() -> None:
    assert return_task_completed_by(
        task_device_id=7, task_from_technology="gps_ankle", device_id=7, device_kind="gps_ankle"
    )
    assert not return_task_completed_by(
        task_device_id=7, task_from_technology="gps_ankle", device_id=8, device_kind="gps_ankle"
    )


def test_a_return_task_of_a_plan_change_is_completed_by_a_device_of_its_technology() -> None:
    assert return_task_completed_by(
        task_device_id=None, task_from_technology="wrist", device_id=3, device_kind="wrist"
    )
    assert not return_task_completed_by(
        task_device_id=None, task_from_technology="wrist", device_id=3, device_kind="smartphone"
    )


def test_opening_returns_again_adds_no_second_task_per_device(world: World) -> None:
    officer = world.user("case_officer")
    scope = Scope.for_user(officer)
    pid = world.participants["officer_a"].pk
    with clock.frozen_at(NOW):
        first = services.device_returns_open(
            actor=officer,
            scope=scope,
            participant_id=pid,
            devices=[(101, "S-101", "gps_ankle")],
            reason="departure",
        )
        again = services.device_returns_open(
            actor=officer,
            scope=scope,
            participant_id=pid,
            devices=[(101, "S-101", "gps_ankle")],
            reason="departure (retried)",
        )
    assert [t.pk for t in first] == [t.pk for t in again]
    assert len(selectors.device_tasks_open(scope=scope)) == 1


def test_worn_technology_without_a_device_on_record_still_asks_for_one_return(
    world: World,
) -> None:
    officer = world.user("case_officer")
    scope = Scope.for_user(officer)
    pid = world.participants["officer_a"].pk
    with clock.frozen_at(NOW):
        for _ in range(2):
            tasks = services.device_returns_open(
                actor=officer,
                scope=scope,
                participant_id=pid,
                devices=[],
                technology="gps_ankle",
                reason="departure",
            )
        done = services.device_returns_complete(
            actor=officer, participant_id=pid, device_id=55, device_kind="gps_ankle"
        )
    assert [(t.device_id, t.from_technology) for t in tasks] == [(None, "gps_ankle")]
    assert [t.pk for t in done] == [tasks[0].pk]
    assert selectors.device_tasks_open(scope=scope) == []


def test_a_swap_is_done_when_the_new_kind_is_on_and_the_old_is_off_in_either_order() -> None:
    def done(held: set[str]) -> bool:
        return change_task_completed_by(
            kind="swap", to_technology="wrist", from_technology="gps_ankle", held=held
        )

    assert not done({"gps_ankle"})  # nothing changed yet
    assert not done({"gps_ankle", "wrist"})  # new one on, old one not back
    assert not done(set())  # old one back, new one not on
    assert done({"wrist"})
    assert done({"wrist", "smartphone"})


def test_an_assign_is_done_when_a_device_of_the_new_technology_is_on() -> None:
    assert change_task_completed_by(
        kind="assign", to_technology="gps_ankle", from_technology="", held={"gps_ankle"}
    )
    assert not change_task_completed_by(
        kind="assign", to_technology="gps_ankle", from_technology="", held={"smartphone"}
    )
    # A return task is answered by the device coming back, not by what is worn.
    assert not change_task_completed_by(
        kind="return", to_technology="", from_technology="wrist", held=set()
    )
