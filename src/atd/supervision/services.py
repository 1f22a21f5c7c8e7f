"""Writes for supervision plans, zones and curfews: atomic, attributed, audited."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.db import transaction

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.scope import Scope
from atd.people.selectors import participant_get_in_scope
from atd.supervision.choices import CheckinMode, Technology, ZoneKind, ZonePurpose
from atd.supervision.models import CurfewWindow, Plan, PlanChange, Zone
from atd.supervision.rules import cadence_is_valid


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
    PlanChange.objects.create(
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
    audit_record(
        actor=actor,
        action="plan.set",
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
