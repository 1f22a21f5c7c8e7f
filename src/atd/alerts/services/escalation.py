"""Escalating unacknowledged alerts past their SLA: level 1 the office supervisor(s), level 2
the office's on-call list. A periodic job; restart-safe because the level due is derived from
the stored times, and a conditional UPDATE on `escalation_level` claims each step once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from atd.alerts.models import Alert, AlertTransition
from atd.alerts.rules import MAX_ESCALATION_LEVEL, escalation_level_due, on_call_at
from atd.alerts.selectors import on_call_list, preference_for, supervisors_of_office
from atd.alerts.services.preferences import hours_of
from atd.alerts.services.raising import notification_enqueue
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record


@dataclass
class EscalationRun:
    checked: int = 0
    escalated: int = 0
    notified: int = 0


def _recipients(alert: Alert, level: int) -> tuple[list[int], str]:
    """User ids to notify at a level, and a note for the history."""
    if level == 1:
        ids = [u.pk for u in supervisors_of_office(alert.office_id)]
        return ids, "office supervisor" if ids else "no supervisor in the office"
    entries = on_call_list(alert.office_id)
    now = clock.now()
    on_call = [
        e.user_id
        for e in entries
        if (pref := preference_for(e.user_id)) is not None and on_call_at(hours_of(pref), now)
    ]
    if on_call:
        return on_call, "on-call officer(s) in hours"
    # Nobody in hours: page the whole list rather than let the alert sit unseen.
    ids = [e.user_id for e in entries]
    if ids:
        return ids, "on-call list (nobody in hours: all paged)"
    ids = [u.pk for u in supervisors_of_office(alert.office_id)]
    return ids, "no on-call list: office supervisor paged again"


def alert_escalate_due(*, limit: int = 500) -> EscalationRun:
    """One pass: every open alert whose level due is above its current level moves up."""
    run = EscalationRun()
    now = clock.now()
    candidates = list(
        Alert.objects.filter(
            status="open", ack_due_at__lte=now, escalation_level__lt=MAX_ESCALATION_LEVEL
        )
        .order_by("ack_due_at")
        .values("pk", "opened_at", "ack_due_at", "escalation_level")[:limit]
    )
    for row in candidates:
        run.checked += 1
        target = escalation_level_due(
            status="open",
            opened_at=row["opened_at"],
            ack_due=row["ack_due_at"],
            level=row["escalation_level"],
            now=now,
        )
        if target <= row["escalation_level"]:
            continue
        with transaction.atomic():
            claimed = Alert.objects.filter(
                pk=row["pk"], status="open", escalation_level=row["escalation_level"]
            ).update(escalation_level=target)
            if not claimed:
                continue  # acknowledged meanwhile, or another worker took this step
            alert = Alert.objects.get(pk=row["pk"])
            for level in range(row["escalation_level"] + 1, target + 1):
                users, note = _recipients(alert, level)
                AlertTransition.objects.create(
                    alert=alert,
                    action="escalate",
                    from_status="open",
                    to_status="open",
                    at=now,
                    actor_label="system",
                    note=note,
                    escalation_level=level,
                )
                for user_id in users:
                    # The SLA due time names the cycle: a reopened alert escalates afresh.
                    created = notification_enqueue(
                        kind=f"alert.escalation.{level}",
                        subject=f"Escalated [{alert.severity}] {alert.title}"[:200],
                        body=(
                            f"Alert #{alert.pk} was not acknowledged within its SLA "
                            f"(due {alert.ack_due_at:%Y-%m-%d %H:%M} UTC). Escalation level {level}."
                        ),
                        dedupe_key=f"alert-esc:{alert.pk}:{alert.ack_due_at:%Y%m%d%H%M%S}:{level}:{user_id}",
                        user_id=user_id,
                        alert_id=alert.pk,
                    )
                    run.notified += int(created)
            audit_record(
                actor=SYSTEM,
                action="alert.escalate",
                object_type="alert",
                object_ids=[alert.pk],
                reason=f"level {target}",
            )
            run.escalated += 1
    return run
