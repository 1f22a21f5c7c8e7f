"""Access matrix entries for supervision (see atd.testing.access)."""

from __future__ import annotations

from atd.core import clock
from atd.supervision.models import DeviceTask, Plan, PlanChange
from atd.testing.access import CASE_ROLES, Rule, participant_ids
from atd.testing.world import World


def _task(participant_id: int) -> int:
    now = clock.now()
    plan = Plan.objects.create(
        participant_id=participant_id,
        technology="wrist",
        cadence_days=28,
        checkin_mode="in_person",
        start_date=now.date(),
        created_at=now,
        is_active=False,
    )
    change = PlanChange.objects.create(
        participant_id=participant_id,
        plan=plan,
        to_technology="wrist",
        reason="matrix",
        actor_label="test",
        at=now,
    )
    task = DeviceTask.objects.create(
        participant_id=participant_id,
        plan_change=change,
        kind="assign",
        to_technology="wrist",
        created_at=now,
    )
    return task.pk


def device_task_ids(world: World, role: str) -> tuple[int | None, int]:
    inside_participant, outside_participant = participant_ids(world, role)
    inside = (
        _task(inside_participant) if inside_participant is not None and role in CASE_ROLES else None
    )
    return inside, _task(outside_participant)


PLAN = {
    "technology": "wrist",
    "cadence_days": 28,
    "checkin_mode": "in_person",
    "reason": "compliance concern",
}

OBJECTS = {"task_id": device_task_ids}

ENDPOINTS = {
    "GET /api/supervision/participants/{participant_id}/plan": Rule(roles=CASE_ROLES),
    "POST /api/supervision/participants/{participant_id}/plan": Rule(roles=CASE_ROLES, body=PLAN),
    "POST /api/supervision/device-tasks/{task_id}/close": Rule(
        roles=CASE_ROLES, body={"status": "done", "note": "device fitted"}
    ),
    "POST /supervision/participants/<participant_id>/plan/": Rule(
        roles=CASE_ROLES, body=PLAN, content_type="form", ok_statuses=frozenset({302})
    ),
}
