"""Demo data for alerts: a handful of alerts of each severity on the demo's participants, one
of them already past its SLA so the escalation shows on the supervisor's dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.services.escalation import alert_escalate_due
from atd.alerts.types import AlertEvidence, AlertKind, DeviceHealth, EvidencePosition
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.scope import Scope
from atd.people.selectors import participant_queryset_in_scope

KINDS = (
    AlertKind.STRAP_TAMPER,
    AlertKind.ZONE_EXIT,
    AlertKind.BATTERY_LOW,
    AlertKind.NO_SIGNAL,
    AlertKind.MISSED_CHECKIN,
    AlertKind.CURFEW,
)


def alerts_demo_seed(ctx: dict[str, Any]) -> None:
    everyone = Scope.system()
    ids = list(
        participant_queryset_in_scope(everyone).order_by("pk").values_list("pk", flat=True)[:12]
    )
    now = clock.now()
    signals = []
    for n, pid in enumerate(ids):
        kind = KINDS[n % len(KINDS)]
        at = now - timedelta(minutes=5 * n)
        signals.append(
            AlertSignal(
                kind=kind,
                occurred_at=at,
                source="demo",
                source_ref=f"demo-{pid}-{kind}",
                participant_id=pid,
                detail={"demo": True},
                evidence=AlertEvidence(
                    device=DeviceHealth(
                        device_id=None,
                        battery=80 - 5 * n,
                        charging=False,
                        strap_open=kind == AlertKind.STRAP_TAMPER,
                        last_contact_at=at,
                        last_fix_time=at,
                    ),
                    positions=(
                        EvidencePosition(at=at, lat=41.88 + 0.001 * n, lon=-87.63, accuracy_m=12),
                    ),
                ),
            )
        )
    if not signals:
        return
    # The first alert was raised 40 minutes "ago": raise it with the clock moved back so
    # its SLA has passed, then let the escalation job take it to the supervisor.
    with clock.frozen_at(now - timedelta(minutes=40)):
        alert_raise_many(actor=SYSTEM, signals=signals[:1])
    alert_raise_many(actor=SYSTEM, signals=signals[1:])
    alert_escalate_due()
