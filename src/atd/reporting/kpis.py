"""Program KPIs over a period: check-in compliance, hearing appearance, alerts by kind and
acknowledgement SLA, review volume/outcomes/turnaround, address-quality flags.

Each figure comes from the owning app's selectors; check-ins and alerts are read through
guarded imports (those apps are built concurrently) and a missing source is reported as such,
never as zero."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from atd.alerts.selectors import alert_queryset_in_scope
from atd.checkins.selectors import window_status_counts
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.court.selectors import hearing_outcome_counts
from atd.people.selectors import address_flag_counts
from atd.reporting import rules
from atd.reviews.selectors import review_counts

ADMIN = Scope.system()


def kpi_scope(scope: Scope) -> Scope:
    """Supervisors see their office; analysts and admins the whole program (aggregates only)."""
    return scope if scope.role == Role.SUPERVISOR else ADMIN


@dataclass
class Kpis:
    start: date
    end: date
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # (section, name, value)
    alerts_by_kind: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, name: str, value: object) -> None:
        self.lines.append((section, name, str(value)))

    def csv(self) -> bytes:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["report", "program_kpis"])
        w.writerow(["period", self.start.isoformat(), self.end.isoformat()])
        w.writerow(["section", "measure", "value"])
        for line in self.lines:
            w.writerow(line)
        for note in self.notes:
            w.writerow(["note", note, ""])
        return out.getvalue().encode("utf-8")


def program_kpis(*, scope: Scope, start: date, end: date) -> Kpis:
    scope = kpi_scope(scope)
    k = Kpis(start=start, end=end)
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    _checkins(k, scope, since, until)
    hearings = hearing_outcome_counts(scope=scope, start=start, end=end)
    attended = hearings.get("attended", 0) + hearings.get("continued", 0)
    missed = hearings.get("failed_to_appear", 0)
    k.add("hearings", "attended", attended)
    k.add("hearings", "failed to appear", missed)
    k.add(
        "hearings", "appearance rate", rules.percent_text(rules.rate(attended, attended + missed))
    )
    _alerts(k, scope, since, until)
    reviews = review_counts(scope)
    k.add("reviews", "requests", reviews["total"])
    for source, n in sorted(reviews["by_source"].items()):
        k.add("reviews", f"from {source}", n)
    for status, n in sorted(reviews["by_status"].items()):
        k.add("reviews", status, n)
    median = rules.median_days(reviews["turnaround"])
    k.add("reviews", "median days to decision", "n/a" if median is None else median)
    for kind, n in sorted(address_flag_counts(scope).items()):
        k.add("address quality", kind, n)
    return k


def _checkins(k: Kpis, scope: Scope, since: datetime, until: datetime) -> None:
    counts = window_status_counts(scope=scope, since=since, until=until)
    k.add("check-ins", "completed", counts.completed)
    k.add("check-ins", "attempted", counts.attempted)
    k.add("check-ins", "missed", counts.missed)
    k.add("check-ins", "compliance", rules.percent_text(rules.rate(counts.completed, counts.due)))


def _alerts(k: Kpis, scope: Scope, since: datetime, until: datetime) -> None:
    rows = alert_queryset_in_scope(scope).filter(opened_at__gte=since, opened_at__lt=until)
    within = late = 0
    for kind, acknowledged_at, due in rows.values_list("kind", "acknowledged_at", "ack_due_at"):
        k.alerts_by_kind[kind] = k.alerts_by_kind.get(kind, 0) + 1
        if acknowledged_at is not None and acknowledged_at <= due:
            within += 1
        elif acknowledged_at is not None or due < until:
            late += 1
    for kind, n in sorted(k.alerts_by_kind.items()):
        k.add("alerts", kind, n)
    k.add(
        "alerts", "acknowledged within SLA", rules.percent_text(rules.rate(within, within + late))
    )
