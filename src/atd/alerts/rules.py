"""Pure alert rules: default severity per kind and acknowledgement SLAs per severity."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_SEVERITY: dict[str, str] = {
    "strap_tamper": "critical",
    "missed_checkin": "high",
    "zone_exit": "high",
    "zone_entry": "high",
    "curfew": "high",
    "arrest_match": "high",
    "report_deadline": "high",
    "hearing_missed": "high",
    "battery_critical": "medium",
    "battery_low": "medium",
    "no_signal": "medium",
    "location_unverified": "medium",
    "checkin_plausibility": "medium",
    "notice_not_served": "medium",
    "low_stock": "low",
    "charging": "low",
    "review_overdue": "medium",
}

ACK_SLA: dict[str, timedelta] = {
    "critical": timedelta(minutes=15),
    "high": timedelta(hours=4),
    "medium": timedelta(hours=24),
    "low": timedelta(hours=72),
}


def severity_for(kind: str, override: str | None = None) -> str:
    return override or DEFAULT_SEVERITY.get(kind, "medium")


def ack_due_at(severity: str, opened_at: datetime) -> datetime:
    return opened_at + ACK_SLA.get(severity, ACK_SLA["medium"])
