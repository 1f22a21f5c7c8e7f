"""The telemetry section of the officer's participant page: devices with their health, the
last known position and the latest fixes (scoped through people selectors, audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atd.core import clock
from atd.core.errors import NotFound
from atd.core.extensions import TimelineItem
from atd.core.scope import Scope
from atd.devices.selectors import devices_for_participants
from atd.people.selectors import participant_exists_in_scope
from atd.telemetry.selectors import device_events_since, device_health, participant_track_read


def participant_panel_context(
    request: Any, scope: Scope, participant_id: int
) -> dict[str, Any] | None:
    try:
        last, track = participant_track_read(
            scope=scope,
            actor=request.user,
            participant_id=participant_id,
            since=clock.now() - timedelta(hours=24),
            limit=15,
        )
    except NotFound:
        return None
    devices = devices_for_participants([participant_id]).get(participant_id, [])
    health = device_health([d.id for d in devices])
    rows = []
    for d in devices:
        h = health.get(d.id)
        rows.append(
            {
                "serial": d.serial_shown,
                "kind": d.kind,
                "battery": h.battery if h else None,
                "charging": h.charging if h else None,
                "strap_open": h.strap_open if h else False,
                "last_contact_at": h.last_contact_at if h else None,
            }
        )
    return {"devices": rows, "last": last, "track": track}


EVENT_TITLES = {
    "strap_open": "Strap opened / cut",
    "strap_closed": "Strap closed",
    "device_removed": "Device removed",
    "battery": "Battery report",
    "charging_started": "Charging started",
    "charging_stopped": "Charging stopped",
    "power_off": "Device powered off",
    "power_on": "Device powered on",
}


def participant_timeline_items(scope: Scope, participant_id: int, since: Any) -> list[TimelineItem]:
    """Device events on the participant's single timeline (the page audited the read)."""
    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        return []
    return [
        TimelineItem(
            at=e.occurred_at,
            kind="device_event",
            title=EVENT_TITLES.get(e.kind, e.kind),
            detail=f"device {e.device_id}"
            + (f", value {e.value:g}" if e.value is not None else ""),
        )
        for e in device_events_since(participant_id, since)
    ]
