"""Alert configuration read from settings: severities per kind, SLAs, escalation, channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from atd.alerts.rules import severity_table, sla_table


@dataclass(frozen=True)
class AlertPolicy:
    severities: dict[str, str]
    ack_sla: dict[str, timedelta]
    webhook_url: str
    webhook_secret: str
    delivery_max_attempts: int


def alert_policy() -> AlertPolicy:
    # Read on each call (cheap): tests and operators change settings without a restart.
    return AlertPolicy(
        severities=severity_table(getattr(settings, "ATD_ALERT_SEVERITY", "")),
        ack_sla=sla_table(getattr(settings, "ATD_ALERT_ACK_SLA_MINUTES", "")),
        webhook_url=getattr(settings, "ATD_ALERT_WEBHOOK_URL", ""),
        webhook_secret=getattr(settings, "ATD_ALERT_WEBHOOK_SECRET", ""),
        delivery_max_attempts=getattr(settings, "ATD_NOTIFY_MAX_ATTEMPTS", 4),
    )
