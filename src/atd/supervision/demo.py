"""Demo step: a supervision plan for each demo participant, some with a recorded step-down.

Written in bulk (thousands of participants in seconds) with the same rows `plan_set` writes:
the plan, its PlanChange with reason and actor, and the device task a technology change opens.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from atd.core import clock
from atd.core.actors import Actor
from atd.core.audit import audit_record
from atd.supervision.models import DeviceTask, Plan, PlanChange
from atd.supervision.rules import device_task_kind

DEMO_ACTOR = Actor(id=None, label="demo officer", role="system")

# (technology, cadence days, mode, weight): monitors every 4, 8 or 12 weeks at the office,
# phone check-ins weekly, as reported for the program.
PROFILES = [
    ("gps_ankle", 28, "in_person", 10),
    ("wrist", 56, "in_person", 15),
    ("wrist", 84, "in_person", 5),
    ("smartphone", 7, "remote", 60),
    ("telephone", 14, "remote", 5),
    ("in_person", 28, "in_person", 5),
]
STEP_DOWN = ("smartphone", 7, "remote")


def demo_seed(ctx: dict[str, Any]) -> None:
    rng = ctx["rng"]
    now = clock.now()
    weights = [p[3] for p in PROFILES]
    participants = list(ctx.get("participants", []))
    have = set(
        Plan.objects.filter(participant_id__in=participants).values_list(
            "participant_id", flat=True
        )
    )
    # (participant, [(technology, cadence, mode, start moment, reason), ...]) oldest first
    histories: list[tuple[int, list[tuple[str, int, str, datetime, str]]]] = []
    for index, pid in enumerate(participants):
        if pid in have:
            continue
        tech, cadence, mode, _ = rng.choices(PROFILES, weights=weights)[0]
        started = now - timedelta(days=rng.randint(20, 150), hours=rng.randint(0, 23))
        if index == 0:
            # The demo's portal login: weekly phone check-ins, with a window open today.
            tech, cadence, mode = STEP_DOWN
            started = now - timedelta(days=56)
        steps = [(tech, cadence, mode, started, "initial plan at enrollment")]
        # Some compliant wearers were stepped down to the phone app a few weeks ago.
        if tech in ("gps_ankle", "wrist") and rng.random() < 0.3 and (now - started).days > 40:
            changed = now - timedelta(days=rng.randint(5, 20))
            steps.append((*STEP_DOWN, changed, "step-down: 60 days compliant, review approved"))
        histories.append((pid, steps))
    plans = [
        Plan(
            participant_id=pid,
            technology=tech,
            cadence_days=cadence,
            checkin_mode=mode,
            start_date=at.date(),
            end_date=steps[i + 1][3].date() if i + 1 < len(steps) else None,
            is_active=i + 1 == len(steps),
            created_at=at,
        )
        for pid, steps in histories
        for i, (tech, cadence, mode, at, _reason) in enumerate(steps)
    ]
    Plan.objects.bulk_create(plans, batch_size=1000)
    changes: list[PlanChange] = []
    cursor = 0
    for pid, steps in histories:
        previous = None
        for tech, _cadence, _mode, at, reason in steps:
            plan = plans[cursor]
            cursor += 1
            changes.append(
                PlanChange(
                    participant_id=pid,
                    plan=plan,
                    previous_plan=previous,
                    from_technology=previous.technology if previous else "",
                    to_technology=tech,
                    reason=reason,
                    actor_label=DEMO_ACTOR.label,
                    at=at,
                )
            )
            previous = plan
    PlanChange.objects.bulk_create(changes, batch_size=1000)
    tasks = []
    latest = {change.participant_id: change for change in changes}  # changes are oldest first
    for change in changes:
        kind = device_task_kind(change.from_technology, change.to_technology)
        if kind is not None:
            # Devices for past changes were handled; the last week's are still open. The
            # current plan's assign or swap is never done by fiat: only a device really put on
            # the participant (the telemetry demo step assigns through devices.services)
            # completes it, so the page never says "Done" beside "No device assigned".
            current_fit = kind != "return" and latest[change.participant_id] is change
            done = change.at < now - timedelta(days=7) and not current_fit
            tasks.append(
                DeviceTask(
                    participant_id=change.participant_id,
                    plan_change=change,
                    kind=kind,
                    from_technology=change.from_technology,
                    to_technology=change.to_technology,
                    status="done" if done else "open",
                    created_at=change.at,
                    closed_at=change.at + timedelta(days=2) if done else None,
                    closed_by_label=DEMO_ACTOR.label if done else "",
                )
            )
    DeviceTask.objects.bulk_create(tasks, batch_size=1000)
    audit_record(
        actor=DEMO_ACTOR,
        action="plan.demo_seed",
        object_type="participant",
        reason=f"{len(plans)} synthetic plans, {len(tasks)} device tasks",
    )
