"""Reads of the graduated response for the participant page: where the participant stands,
the misses that counted and those that did not (and why), the ladder's tasks. Scoped and
audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from atd.checkins.ladder_models import LadderMiss, LadderTask, LadderTaskStatus
from atd.checkins.ladder_rules import LadderPolicySpec, LadderStanding, ladder_standing
from atd.checkins.services.ladder import ladder_policy_for_office, miss_fact
from atd.core.audit import audit_record
from atd.core.scope import Scope
from atd.people.selectors import case_routing_for_participants, participant_get_in_scope

WHY = {
    "counted": "Counted",
    "expired": "Older than the counting period",
    "pending": "Reminder sent; counts if the silence goes on",
    "resumed": "Reporting again after the reminder",
    "technical:low_battery": "Technical: low battery on the last report",
    "technical:device_outage": "Technical: the device was out when the window closed",
    "technical:officer_marked": "Technical: marked by the officer",
}


@dataclass(frozen=True)
class LadderMissLine:
    row: LadderMiss
    counts: bool
    why: str


@dataclass(frozen=True)
class LadderView:
    policy: LadderPolicySpec
    standing: LadderStanding
    lines: list[LadderMissLine]
    tasks: list[LadderTask]

    @property
    def counted(self) -> list[LadderMissLine]:
        return [line for line in self.lines if line.counts]

    @property
    def not_counted(self) -> list[LadderMissLine]:
        return [line for line in self.lines if not line.counts]

    @property
    def open_tasks(self) -> list[LadderTask]:
        return [t for t in self.tasks if t.status == LadderTaskStatus.OPEN]


def ladder_read(
    *, scope: Scope, actor: Any, participant_id: int, now: datetime, limit: int = 30
) -> LadderView:
    participant_get_in_scope(scope=scope, participant_id=participant_id)
    route = case_routing_for_participants([participant_id]).get(participant_id)
    policy = ladder_policy_for_office(route.office_id if route else None)
    rows = list(
        LadderMiss.objects.filter(participant_id=participant_id).order_by("-occurred_at", "-pk")[
            :200
        ]
    )
    standing = ladder_standing([miss_fact(r) for r in rows], policy=policy, now=now)
    by_ref = {r.ref: r for r in rows}
    lines = [
        LadderMissLine(by_ref[v.miss.ref], v.counts, WHY.get(v.why, v.why))
        for v in standing.verdicts
    ][:limit]
    tasks = sorted(
        LadderTask.objects.filter(participant_id=participant_id)
        .select_related("miss")
        .order_by("-created_at", "-pk")[:limit],
        key=lambda t: t.status != LadderTaskStatus.OPEN,  # open tasks first
    )
    audit_record(
        actor=actor,
        action="checkin_ladder.read",
        object_type="participant",
        object_ids=[participant_id],
    )
    return LadderView(policy=policy, standing=standing, lines=lines, tasks=tasks)
