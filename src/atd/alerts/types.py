"""The published types of alerts: what other contexts and views hand to alerts or get back.

Frozen dataclasses and enums only (no `Any`: mypy checks this module with
`disallow_any_explicit`); other contexts import these, the services and the selectors, nothing
else of alerts."""

from __future__ import annotations

from dataclasses import dataclass

from atd.alerts.models import Alert


@dataclass(frozen=True)
class AlertRow:
    """One alert as the queue, the dashboard and a participant page list it: URLs, labels and
    times worked out once per row (in the template they were most of a queue page's time)."""

    a: Alert
    sla_text: str
    breached: bool
    detail_url: str
    ack_url: str
    participant_url: str
    participant_name: str
    office_name: str
    officer_name: str
    severity_label: str
    status_label: str
    opened: str
    due_iso: str
