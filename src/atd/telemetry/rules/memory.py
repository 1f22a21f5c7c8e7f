"""Detector memory as plain state machines: zone/curfew persistence and battery levels."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Persistence:
    """A violation is confirmed after `fixes` violating fixes or `duration` since the first."""

    fixes: int
    duration: timedelta


@dataclass(frozen=True)
class ViolationState:
    since: datetime | None = None
    count: int = 0
    alerted: bool = False
    last_fix_time: datetime | None = None


def violation_step(
    state: ViolationState, verdict: int, at: datetime, rule: Persistence
) -> tuple[ViolationState, bool]:
    """verdict: 1 violating, -1 compliant, 0 ambiguous (near the edge: changes nothing).
    Returns the new state and whether this fix confirms a new episode (raise once)."""
    if verdict < 0:
        return ViolationState(last_fix_time=at), False
    if verdict == 0:
        return replace(state, last_fix_time=at), False
    since = state.since or at
    count = state.count + 1
    fire = not state.alerted and (count >= rule.fixes or at - since >= rule.duration)
    return ViolationState(since, count, state.alerted or fire, at), fire


BATTERY_ORDER = {"ok": 0, "low": 1, "critical": 2}


def battery_level(percent: int, *, low: int, critical: int, previous: str) -> str:
    """Level with hysteresis: leaving `low` needs 5 points above the threshold, so a battery
    wavering around 20 % does not raise and clear an alert on every fix."""
    if percent <= critical:
        return "critical"
    if percent <= low:
        return "low"
    if previous != "ok" and percent <= low + 5:
        return "low"
    return "ok"


def battery_alert_kind(previous: str, current: str) -> str | None:
    """Only a move down raises: ok->low raises battery_low, anything->critical battery_critical."""
    if BATTERY_ORDER[current] <= BATTERY_ORDER[previous]:
        return None
    return "battery_critical" if current == "critical" else "battery_low"


def no_signal_since(last_contact_at: datetime, *, now: datetime, threshold: timedelta) -> bool:
    return now - last_contact_at > threshold
