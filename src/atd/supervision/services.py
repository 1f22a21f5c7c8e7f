"""Writes for supervision plans, zones and curfews: atomic, attributed, audited."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import FieldError, NotFound, ValidationFailed
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import participant_get_in_scope, participant_ids_in_scope
from atd.supervision.choices import (
    CheckinMode,
    DeviceTaskKind,
    DeviceTaskStatus,
    Technology,
    ZoneKind,
    ZonePurpose,
)
from atd.supervision.models import CostRate, CurfewWindow, DeviceTask, Plan, PlanChange, Zone
from atd.supervision.rules import (
    cadence_is_valid,
    change_task_completed_by,
    device_task_kind,
    return_task_completed_by,
)


@transaction.atomic
def plan_set(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    technology: str,
    cadence_days: int,
    checkin_mode: str,
    start_date: date,
    reason: str,
) -> Plan:
    """Replaces the active plan; the change and its reason are kept."""
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    errors = []
    if technology not in Technology.values:
        errors.append(FieldError("technology", "unknown technology"))
    if not cadence_is_valid(cadence_days):
        errors.append(FieldError("cadence_days", "must be between 1 and 366 days"))
    if checkin_mode not in CheckinMode.values:
        errors.append(FieldError("checkin_mode", "must be remote or in_person"))
    if not reason.strip():
        errors.append(FieldError("reason", "a reason is required for every change of plan"))
    if errors:
        raise ValidationFailed(errors=errors)
    now = clock.now()
    previous = (
        Plan.objects.select_for_update().filter(participant=participant, is_active=True).first()
    )
    if previous is not None:
        previous.is_active = False
        previous.end_date = start_date
        previous.save(update_fields=["is_active", "end_date"])
    plan = Plan.objects.create(
        participant=participant,
        technology=technology,
        cadence_days=cadence_days,
        checkin_mode=checkin_mode,
        start_date=start_date,
        created_at=now,
    )
    who = actor_for(actor)
    change = PlanChange.objects.create(
        participant=participant,
        plan=plan,
        previous_plan=previous,
        from_technology=previous.technology if previous else "",
        to_technology=technology,
        reason=reason.strip()[:500],
        actor_id=who.id,
        actor_label=who.label,
        at=now,
    )
    task_kind = device_task_kind(previous.technology if previous else "", technology)
    if task_kind is not None:
        DeviceTask.objects.create(
            participant=participant,
            plan_change=change,
            kind=task_kind,
            from_technology=previous.technology if previous else "",
            to_technology=technology,
            created_at=now,
        )
    audit_record(
        actor=actor,
        action="plan.set",
        object_type="participant",
        object_ids=[participant.pk],
        reason=reason,
    )
    return plan


@transaction.atomic
def plan_end(
    *, actor: Any, scope: Scope, participant_id: int, end_date: date, reason: str
) -> Plan | None:
    """Ends supervision: the active plan is closed on `end_date` and the change is kept in the
    history (to no technology) with its reason. Returns the ended plan, or None when there was
    no active plan (nothing to end). Devices still held are the caller's business
    (`device_returns_open`): the plan does not know which serials the person has."""
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    if not reason.strip():
        raise ValidationFailed(errors=[FieldError("reason", "a reason is required")])
    plan = Plan.objects.select_for_update().filter(participant=participant, is_active=True).first()
    if plan is None:
        return None
    plan.is_active = False
    plan.end_date = end_date
    plan.save(update_fields=["is_active", "end_date"])
    who = actor_for(actor)
    PlanChange.objects.create(
        participant=participant,
        plan=plan,
        previous_plan=plan,
        from_technology=plan.technology,
        to_technology="",
        reason=reason.strip()[:500],
        actor_id=who.id,
        actor_label=who.label,
        at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="plan.end",
        object_type="participant",
        object_ids=[participant.pk],
        reason=reason,
    )
    return plan


@transaction.atomic
def zone_create(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    name: str,
    kind: str,
    purpose: str = ZonePurpose.AREA,
    center_lat: float | None = None,
    center_lon: float | None = None,
    radius_m: float | None = None,
    polygon: list[list[float]] | None = None,
) -> Zone:
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    errors = []
    if kind not in ZoneKind.values:
        errors.append(FieldError("kind", "must be inclusion or exclusion"))
    if polygon is None:
        if center_lat is None or center_lon is None or not radius_m or radius_m <= 0:
            errors.append(FieldError("radius_m", "a circle needs a center and a positive radius"))
        elif not (-90 <= center_lat <= 90 and -180 <= center_lon <= 180):
            errors.append(FieldError("center_lat", "coordinates out of range"))
    elif len(polygon) < 3 or any(len(p) != 2 for p in polygon):
        errors.append(FieldError("polygon", "a polygon needs at least 3 [lon, lat] points"))
    if errors:
        raise ValidationFailed(errors=errors)
    zone = Zone.objects.create(
        participant=participant,
        name=name[:100],
        kind=kind,
        purpose=purpose,
        center_lat=center_lat,
        center_lon=center_lon,
        radius_m=radius_m,
        polygon=polygon,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor, action="zone.create", object_type="participant", object_ids=[participant.pk]
    )
    return zone


@transaction.atomic
def curfew_create(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    zone_id: int,
    weekdays: list[int],
    start: time,
    end: time,
    timezone: str,
) -> CurfewWindow:
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    zone = Zone.objects.filter(pk=zone_id, participant=participant).first()
    if zone is None or any(d not in range(7) for d in weekdays) or start == end:
        raise ValidationFailed(
            detail="a curfew needs the participant's own zone, weekdays 0-6 and a window"
        )
    window = CurfewWindow.objects.create(
        participant=participant,
        zone=zone,
        weekdays=sorted(set(weekdays)),
        start=start,
        end=end,
        timezone=timezone,
    )
    audit_record(
        actor=actor, action="curfew.create", object_type="participant", object_ids=[participant.pk]
    )
    return window


@transaction.atomic
def device_task_close(
    *, actor: Any, scope: Scope, task_id: int, status: str = DeviceTaskStatus.DONE, note: str = ""
) -> DeviceTask:
    """Marks a device task done (the devices app calls this when it assigns or collects the
    device) or cancelled."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    task = (
        DeviceTask.objects.select_for_update()
        .filter(pk=task_id, participant_id__in=participant_ids_in_scope(scope))
        .first()
    )
    if task is None:
        raise NotFound()
    if status not in (DeviceTaskStatus.DONE, DeviceTaskStatus.CANCELLED):
        raise ValidationFailed(errors=[FieldError("status", "must be done or cancelled")])
    if task.status != DeviceTaskStatus.OPEN:
        return task
    task.status = status
    task.closed_at = clock.now()
    task.closed_by_label = actor_for(actor).label
    task.note = note.strip()[:500]
    task.save(update_fields=["status", "closed_at", "closed_by_label", "note"])
    audit_record(
        actor=actor,
        action=f"device_task.{status}",
        object_type="participant",
        object_ids=[task.participant_id],
        reason=f"task {task.pk} {task.kind}",
    )
    return task


@transaction.atomic
def cost_rate_set(
    *,
    actor: Any,
    scope: Scope,
    technology: str,
    per_day: Decimal | str,
    effective_from: date,
    source: str,
) -> CostRate:
    """Adds (or corrects) a rate from a date; earlier rates stay for historical reports."""
    scope.require(Role.ADMIN)
    if technology not in [*Technology.values, "detention"]:
        raise ValidationFailed(errors=[FieldError("technology", "unknown technology")])
    try:
        amount = Decimal(str(per_day))
    except InvalidOperation:
        raise ValidationFailed(errors=[FieldError("per_day", "must be a number")]) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("100000"):
        raise ValidationFailed(errors=[FieldError("per_day", "must be between 0 and 99999")])
    if not source.strip():
        raise ValidationFailed(errors=[FieldError("source", "say where the rate comes from")])
    rate, _ = CostRate.objects.update_or_create(
        technology=technology,
        effective_from=effective_from,
        defaults={"per_day": amount.quantize(Decimal("0.01")), "source": source.strip()[:200]},
    )
    audit_record(
        actor=actor,
        action="cost_rate.set",
        object_type="cost_rate",
        object_ids=[rate.pk],
        reason=f"{technology} {amount} from {effective_from.isoformat()}",
    )
    return rate


@transaction.atomic
def device_returns_open(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    devices: Sequence[tuple[int, str, str]],
    reason: str,
    technology: str = "",
) -> list[DeviceTask]:
    """Opens a "collect the device" task for each (device id, serial, kind) the participant
    still holds; with none on record but a device `technology` on the plan, one task for that
    technology. A device that already has an open return task gets no second one (the
    constraint decides), so a retried call opens nothing new. Returns the open return tasks."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    now = clock.now()
    wanted: list[tuple[int | None, str, str]] = [
        (d_id, serial, kind) for d_id, serial, kind in devices
    ]
    if not wanted and technology:
        already = DeviceTask.objects.filter(
            participant=participant,
            kind=DeviceTaskKind.RETURN,
            status=DeviceTaskStatus.OPEN,
            device_id__isnull=True,
            from_technology=technology,
        ).exists()
        if not already:
            wanted = [(None, "", technology)]
    opened: list[DeviceTask] = []
    for device_id, serial, kind in wanted:
        try:
            with transaction.atomic():
                opened.append(
                    DeviceTask.objects.create(
                        participant=participant,
                        kind=DeviceTaskKind.RETURN,
                        from_technology=kind,
                        device_id=device_id,
                        device_serial=serial[:64],
                        reason=reason.strip()[:200],
                        created_at=now,
                    )
                )
        except IntegrityError:
            continue  # already asked for: one open return task per device
    if opened:
        audit_record(
            actor=actor,
            action="device_task.open_returns",
            object_type="participant",
            object_ids=[participant.pk],
            reason=f"tasks {', '.join(str(t.pk) for t in opened)}: {reason}",
        )
    return list(
        DeviceTask.objects.filter(
            participant=participant, kind=DeviceTaskKind.RETURN, status=DeviceTaskStatus.OPEN
        ).order_by("pk")
    )


@transaction.atomic
def device_returns_complete(
    *, actor: Any, participant_id: int, device_id: int, device_kind: str
) -> list[DeviceTask]:
    """The device came back (called by the devices app inside its return): every open return
    task it answers is done. Returns the tasks it completed."""
    open_tasks = DeviceTask.objects.select_for_update().filter(
        participant_id=participant_id, kind=DeviceTaskKind.RETURN, status=DeviceTaskStatus.OPEN
    )
    done = [
        task
        for task in open_tasks
        if return_task_completed_by(
            task_device_id=task.device_id,
            task_from_technology=task.from_technology,
            device_id=device_id,
            device_kind=device_kind,
        )
    ]
    return _tasks_done(actor, participant_id, done, f"device {device_id} returned")


@transaction.atomic
def device_change_tasks_complete(
    *, actor: Any, participant_id: int, held: Collection[str], device_id: int, event: str
) -> list[DeviceTask]:
    """A device went on or came off (called by the devices app inside its assign and return,
    with the kinds of device the participant wears afterwards): every open assign or swap task
    that is now answered is done. Returns the tasks it completed."""
    open_tasks = DeviceTask.objects.select_for_update().filter(
        participant_id=participant_id,
        kind__in=(DeviceTaskKind.ASSIGN, DeviceTaskKind.SWAP),
        status=DeviceTaskStatus.OPEN,
    )
    held = frozenset(held)
    done = [
        task
        for task in open_tasks
        if change_task_completed_by(
            kind=task.kind,
            to_technology=task.to_technology,
            from_technology=task.from_technology,
            held=held,
        )
    ]
    return _tasks_done(actor, participant_id, done, f"device {device_id} {event}")


def _tasks_done(
    actor: Any, participant_id: int, done: list[DeviceTask], note: str
) -> list[DeviceTask]:
    """Marks the answered tasks done with `note`, in one audit entry."""
    if not done:
        return []
    now, who = clock.now(), actor_for(actor).label
    for task in done:
        task.status = DeviceTaskStatus.DONE
        task.closed_at = now
        task.closed_by_label = who
        task.note = note[:500]
        task.save(update_fields=["status", "closed_at", "closed_by_label", "note"])
    audit_record(
        actor=actor,
        action="device_task.complete",
        object_type="participant",
        object_ids=[participant_id],
        reason=f"tasks {', '.join(str(t.pk) for t in done)}: {note}",
    )
    return done
