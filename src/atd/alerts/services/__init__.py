"""Writes of the alerts app. Other apps call `alert_raise_many` and `notification_enqueue`
(stable signatures); the console calls the lifecycle services."""

from atd.alerts.services.lifecycle import (
    alert_acknowledge,
    alert_acknowledge_for_participant,
    alert_reopen,
    alert_resolve,
)
from atd.alerts.services.raising import (
    AlertSignal,
    RaiseResult,
    alert_raise,
    alert_raise_many,
    notification_enqueue,
)

__all__ = [
    "AlertSignal",
    "RaiseResult",
    "alert_acknowledge",
    "alert_acknowledge_for_participant",
    "alert_raise",
    "alert_raise_many",
    "alert_reopen",
    "alert_resolve",
    "notification_enqueue",
]
