"""The devices section of the officer's participant page: what the participant wears, with its
health, the plan's open device tasks, and the assign / swap / return forms (the forms post to
the device pages' actions, which apply scope and audit)."""

from __future__ import annotations

from typing import Any

from atd.core.audit import audit_record
from atd.core.scope import Scope
from atd.devices.access import FITTING_ROLES
from atd.devices.choices import CredentialMode, DeviceKind
from atd.devices.selectors import device_health, devices_available, devices_worn_by
from atd.devices.services import RETURN_CONDITIONS
from atd.people.selectors import case_routing_for_participants, participant_exists_in_scope
from atd.supervision.selectors import device_tasks_open_for_participant, plan_spec_current

DEVICE_TECHNOLOGIES = frozenset(DeviceKind.values)


def devices_panel_context(request: Any, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        return None
    worn = devices_worn_by(participant_id)
    health = device_health([d.pk for d in worn])
    plan = plan_spec_current(participant_id)
    technology = plan.technology if plan is not None else ""
    tasks = device_tasks_open_for_participant(participant_id)
    routing = case_routing_for_participants([participant_id]).get(participant_id)
    office_id = routing.office_id if routing else None
    can_fit = scope.role in FITTING_ROLES
    spares = devices_available(scope=scope, office_id=office_id) if can_fit else []
    spares.sort(key=lambda d: (d.kind != technology, d.kind, d.serial))  # the plan's kind first
    kinds = dict(DeviceKind.choices)
    worn_kinds = {d.kind for d in worn}
    needs = technology in DEVICE_TECHNOLOGIES and technology not in worn_kinds
    audit_record(
        actor=request.user,
        action="device.read",
        object_type="participant",
        object_ids=[participant_id],
        reason="participant page: devices worn",
    )
    return {
        "worn": [
            {
                "d": d,
                "kind_label": kinds.get(d.kind, d.kind),
                "health": health.get(d.pk),
                "spares": [s for s in spares if s.kind == d.kind],
            }
            for d in worn
        ],
        "technology": technology,
        "technology_label": kinds.get(technology, technology.replace("_", " ")),
        "needs_device": needs,
        "tasks": tasks,
        "spares": [
            {"d": s, "kind_label": kinds.get(s.kind, s.kind), "matches": s.kind == technology}
            for s in spares
        ],
        "conditions": list(RETURN_CONDITIONS),
        "can_fit": can_fit,
        "phone_enrolled": any(
            d.kind == DeviceKind.SMARTPHONE and d.credential_mode == CredentialMode.IDENTIFIER
            for d in worn
        ),
    }
