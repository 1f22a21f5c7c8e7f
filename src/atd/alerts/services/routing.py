"""Keeping active alerts' officer and office in step with their case after a reassignment.

Scope never depends on these columns (selectors read the case row), but the queue's officer
column and filter, the per-officer counts and the escalation's office do. People's
`case_reassign` knows nothing of alerts, so a periodic job re-reads the routing."""

from __future__ import annotations

from django.db import transaction

from atd.alerts.models import OPEN_STATES, Alert
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record
from atd.people.selectors import case_routing_for_participants
from atd.people.types import CaseRouting


@transaction.atomic
def alert_routing_sync() -> int:
    """Re-routes active alerts whose case, office or officer changed; returns how many."""
    active = list(
        Alert.objects.filter(status__in=OPEN_STATES, participant__isnull=False).values_list(
            "pk", "participant_id", "case_id", "office_id", "officer_id"
        )
    )
    routing = case_routing_for_participants({row[1] for row in active})
    changed = []
    for pk, participant_id, case_id, office_id, officer_id in active:
        route = routing.get(participant_id)
        if route is not None and route != CaseRouting(case_id, office_id, officer_id):
            changed.append(
                Alert(
                    pk=pk,
                    case_id=route.case_id,
                    office_id=route.office_id,
                    officer_id=route.officer_id,
                )
            )
    if changed:
        Alert.objects.bulk_update(changed, ["case", "office", "officer"], batch_size=500)
        audit_record(
            actor=SYSTEM,
            action="alert.reroute",
            object_type="alert",
            object_ids=[a.pk for a in changed],
            reason="case reassigned",
        )
    return len(changed)
