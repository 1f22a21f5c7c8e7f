"""Access matrix entries for alerts (see atd.testing.access)."""

from __future__ import annotations

from datetime import timedelta

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.testing.access import CASE_ROLES, Rule, participant_ids
from atd.testing.world import World

_seq = {"n": 0}


def _open_alert(participant_id: int) -> int:
    _seq["n"] += 1
    result = alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind=AlertKind.STRAP_TAMPER,
                occurred_at=clock.now() - timedelta(minutes=1),
                source="matrix",
                source_ref=f"m{_seq['n']}",
                participant_id=participant_id,
            )
        ],
    )
    return (result.created + result.updated)[0]


def alert_ids(world: World, role: str) -> tuple[int | None, int]:
    """An open alert in the role's scope and one about a participant of office B."""
    inside, outside = participant_ids(world, role)
    return (_open_alert(inside) if inside else None), _open_alert(outside)


OBJECTS = {"alert_id": alert_ids}

_RESOLVE = {"disposition": "false_alarm", "note": "GPS drift near the office"}

ENDPOINTS = {
    "GET /api/alerts/{alert_id}": Rule(roles=CASE_ROLES),
    "POST /api/alerts/{alert_id}/acknowledge": Rule(roles=CASE_ROLES, body={"note": "seen"}),
    "POST /api/alerts/{alert_id}/resolve": Rule(roles=CASE_ROLES, body=_RESOLVE),
    # The factory gives open alerts: reopening one is allowed but refused as a conflict (409).
    "POST /api/alerts/{alert_id}/reopen": Rule(
        roles=CASE_ROLES, body={"reason": "participant called back"}, ok_statuses=frozenset({409})
    ),
    "POST /api/alerts/participants/{participant_id}/acknowledge": Rule(
        roles=CASE_ROLES, body={"note": "all seen"}
    ),
    "GET /alerts/<alert_id>/": Rule(roles=CASE_ROLES),
    "POST /alerts/<alert_id>/acknowledge/": Rule(
        roles=CASE_ROLES, body={}, content_type="form", ok_statuses=frozenset({302})
    ),
    "POST /alerts/<alert_id>/resolve/": Rule(
        roles=CASE_ROLES, body=_RESOLVE, content_type="form", ok_statuses=frozenset({302})
    ),
    "POST /alerts/<alert_id>/reopen/": Rule(
        roles=CASE_ROLES,
        body={"reason": "called back"},
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
    "POST /alerts/participants/<participant_id>/acknowledge/": Rule(
        roles=CASE_ROLES, body={}, content_type="form", ok_statuses=frozenset({302})
    ),
}
