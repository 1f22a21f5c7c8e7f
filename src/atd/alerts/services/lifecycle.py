"""Moving an alert through its lifecycle: acknowledge, resolve (disposition + note), reopen
(reason), bulk acknowledge for one participant. One audited transaction each."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from atd.alerts.models import Alert, AlertTransition
from atd.alerts.policy import alert_policy
from atd.alerts.rules import TransitionRefused, ack_due_at, transition_check
from atd.alerts.selectors import alert_get_in_scope, alert_queryset_in_scope
from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.people.selectors import participant_exists_in_scope


def _check(action: str, alert: Alert, **kwargs: str) -> str:
    try:
        return transition_check(action, alert.status, **kwargs)
    except TransitionRefused as exc:
        message = str(exc)
        if "required" in message:
            field = next((k for k in ("disposition", "note", "reason") if k in message), "request")
            raise ValidationFailed(detail=message, errors=[FieldError(field, message)]) from None
        raise Conflict(detail=message) from None


def _record(
    alert: Alert,
    *,
    action: str,
    from_status: str,
    actor: Any,
    disposition: str = "",
    note: str = "",
) -> None:
    AlertTransition.objects.create(
        alert=alert,
        action=action,
        from_status=from_status,
        to_status=alert.status,
        at=clock.now(),
        actor_label=actor_for(actor).label[:150],
        disposition=disposition,
        note=note.strip()[:2000],
        escalation_level=alert.escalation_level,
    )


@transaction.atomic
def alert_acknowledge(*, actor: Any, scope: Scope, alert_id: int, note: str = "") -> Alert:
    """The officer has seen it: stops the SLA clock and any further escalation."""
    scope.require(*STAFF_CASE_ROLES)
    alert = alert_get_in_scope(scope=scope, alert_id=alert_id, for_update=True)
    from_status = alert.status
    alert.status = _check("acknowledge", alert)
    alert.acknowledged_at = clock.now()
    alert.acknowledged_by_id = actor_for(actor).id
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _record(alert, action="acknowledge", from_status=from_status, actor=actor, note=note)
    audit_record(
        actor=actor, action="alert.acknowledge", object_type="alert", object_ids=[alert.pk]
    )
    return alert


@transaction.atomic
def alert_resolve(*, actor: Any, scope: Scope, alert_id: int, disposition: str, note: str) -> Alert:
    """Closes an alert with what was found. Resolving an open alert acknowledges it too."""
    scope.require(*STAFF_CASE_ROLES)
    alert = alert_get_in_scope(scope=scope, alert_id=alert_id, for_update=True)
    from_status = alert.status
    alert.status = _check("resolve", alert, disposition=disposition, note=note)
    now = clock.now()
    who = actor_for(actor).id
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by_id = who
    alert.resolved_at = now
    alert.resolved_by_id = who
    alert.disposition = disposition
    alert.resolution_note = note.strip()[:2000]
    alert.save(
        update_fields=[
            "status",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "disposition",
            "resolution_note",
        ]
    )
    _record(
        alert,
        action="resolve",
        from_status=from_status,
        actor=actor,
        disposition=disposition,
        note=note,
    )
    audit_record(
        actor=actor,
        action="alert.resolve",
        object_type="alert",
        object_ids=[alert.pk],
        reason=disposition,
    )
    return alert


@transaction.atomic
def alert_reopen(*, actor: Any, scope: Scope, alert_id: int, reason: str) -> Alert:
    """Back to open with a fresh SLA. Refused (409) when a newer alert of the same kind is
    already open for the participant: that one carries the new occurrences."""
    scope.require(*STAFF_CASE_ROLES)
    alert = alert_get_in_scope(scope=scope, alert_id=alert_id, for_update=True)
    from_status = alert.status
    alert.status = _check("reopen", alert, reason=reason)
    now = clock.now()
    alert.opened_at = now
    alert.ack_due_at = ack_due_at(alert.severity, now, alert_policy().ack_sla)
    alert.acknowledged_at = None
    alert.acknowledged_by = None
    alert.resolved_at = None
    alert.resolved_by = None
    alert.escalation_level = 0
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        raise Conflict(
            detail="another alert of this kind is already open for this participant"
        ) from None
    _record(alert, action="reopen", from_status=from_status, actor=actor, note=reason)
    audit_record(
        actor=actor,
        action="alert.reopen",
        object_type="alert",
        object_ids=[alert.pk],
        reason=reason,
    )
    return alert


@transaction.atomic
def alert_acknowledge_for_participant(
    *, actor: Any, scope: Scope, participant_id: int, note: str = ""
) -> list[int]:
    """Acknowledges every open alert of one participant at once (one audit entry)."""
    scope.require(*STAFF_CASE_ROLES)
    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        raise NotFound()
    alerts = list(
        alert_queryset_in_scope(scope)
        .select_for_update()
        .filter(participant_id=participant_id, status="open")
        .order_by("pk")
    )
    now = clock.now()
    who = actor_for(actor)
    for alert in alerts:
        alert.status = "acknowledged"
        alert.acknowledged_at = now
        alert.acknowledged_by_id = who.id
    Alert.objects.bulk_update(alerts, ["status", "acknowledged_at", "acknowledged_by"])
    AlertTransition.objects.bulk_create(
        AlertTransition(
            alert=alert,
            action="acknowledge",
            from_status="open",
            to_status="acknowledged",
            at=now,
            actor_label=who.label[:150],
            note=note.strip()[:2000],
            escalation_level=alert.escalation_level,
        )
        for alert in alerts
    )
    ids = [a.pk for a in alerts]
    if ids:
        audit_record(
            actor=actor,
            action="alert.acknowledge",
            object_type="alert",
            object_ids=ids,
            reason=f"bulk for participant {participant_id}",
        )
    return ids
