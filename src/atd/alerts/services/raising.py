"""Raising alerts (used by every detector) — in the caller's transaction, idempotent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from atd.alerts.choices import AlertKind
from atd.alerts.models import OPEN_STATES, Alert, AlertEvent, Notification
from atd.alerts.policy import alert_policy
from atd.alerts.rules import ack_due_at, severity_for
from atd.alerts.types import AlertSignal
from atd.core import clock
from atd.core.audit import audit_record
from atd.people.selectors import case_routing_for_participants
from atd.people.types import CaseRouting


@dataclass
class RaiseResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    duplicates: int = 0


def alert_raise_many(*, actor: Any, signals: Sequence[AlertSignal]) -> RaiseResult:
    """Groups signals by (participant or office, kind): one open alert per group, one event per
    signal. Joins the caller's transaction, so alerts commit with the events that raised them."""
    result = RaiseResult()
    if not signals:
        return result
    with transaction.atomic():
        fresh = _without_known_events(signals)
        result.duplicates = len(signals) - len(fresh)
        routing = case_routing_for_participants(
            {s.participant_id for s in fresh if s.participant_id}
        )
        groups: dict[tuple[str, int | None, int | None], list[AlertSignal]] = defaultdict(list)
        for s in fresh:
            office = s.office_id if s.participant_id is None else None
            groups[(s.kind, s.participant_id, office)].append(s)
        now = clock.now()
        for items in groups.values():
            items.sort(key=lambda s: s.occurred_at)
        events: list[AlertEvent] = []

        def record(alert: Alert, created: bool, items: list[AlertSignal]) -> None:
            (result.created if created else result.updated).append(alert.pk)
            events.extend(
                AlertEvent(
                    alert=alert,
                    kind=s.kind,
                    occurred_at=s.occurred_at,
                    recorded_at=now,
                    source=s.source[:32],
                    source_ref=s.source_ref[:200],
                    detail=s.detail,
                )
                for s in items
            )

        # Participant alerts in bulk: one locking read of the open ones, one insert of the new
        # ones (a telemetry batch raises many at once); the per-group path below is the
        # fallback when a concurrent raise wins the race for the same (participant, kind).
        per_participant = {k: v for k, v in groups.items() if k[1] is not None}
        existing = _open_alerts_locked([(k[0], k[1]) for k in per_participant])
        to_create = [(k, v) for k, v in per_participant.items() if (k[0], k[1]) not in existing]
        for key, items in per_participant.items():
            if (key[0], key[1]) in existing:
                record(_fold(existing[(key[0], key[1])], items), False, items)
        if to_create:
            fresh_alerts = [
                _new_alert(kind, pid, None, items, routing, now)
                for (kind, pid, _), items in to_create
            ]
            try:
                with transaction.atomic():  # a savepoint
                    Alert.objects.bulk_create(fresh_alerts)
                for (_, items), alert in zip(to_create, fresh_alerts, strict=True):
                    record(alert, True, items)
            except IntegrityError:
                for (kind, pid, office_id), items in to_create:
                    alert, created = _open_alert(kind, pid, office_id, items, routing, now)
                    record(alert, created, items)
        for (kind, participant_id, office_id), items in groups.items():
            if participant_id is None:
                alert, created = _open_alert(kind, participant_id, office_id, items, routing, now)
                record(alert, created, items)
        AlertEvent.objects.bulk_create(events, ignore_conflicts=True, batch_size=1000)
        if result.created:
            _page_new_alerts(result.created, now)
        if result.created or result.updated:
            audit_record(
                actor=actor,
                action="alert.raise",
                object_type="alert",
                object_ids=sorted(result.created + result.updated),
                reason=f"{len(fresh)} occurrence(s)",
            )
    return result


def alert_raise(*, actor: Any, signal: AlertSignal) -> RaiseResult:
    return alert_raise_many(actor=actor, signals=[signal])


def _without_known_events(signals: Sequence[AlertSignal]) -> list[AlertSignal]:
    seen: set[tuple[str, str, str]] = set()
    by_source: dict[str, list[str]] = defaultdict(list)
    for s in signals:
        by_source[s.source].append(s.source_ref)
    for source, refs in by_source.items():
        for start in range(0, len(refs), 900):
            seen.update(
                AlertEvent.objects.filter(
                    source=source, source_ref__in=refs[start : start + 900]
                ).values_list("kind", "source", "source_ref")
            )
    out: list[AlertSignal] = []
    for s in signals:
        key = (s.kind, s.source, s.source_ref)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _open_alerts_locked(
    keys: list[tuple[str, int | None]],
) -> dict[tuple[str, int | None], Alert]:
    if not keys:
        return {}
    kinds = {k for k, _ in keys}
    wanted = set(keys)
    out: dict[tuple[str, int | None], Alert] = {}
    pids = sorted({p for _, p in keys if p is not None})
    for start in range(0, len(pids), 900):
        for alert in (
            Alert.objects.select_for_update()
            .filter(
                kind__in=kinds,
                participant_id__in=pids[start : start + 900],
                status__in=OPEN_STATES,
            )
            .order_by("pk")
        ):
            if (alert.kind, alert.participant_id) in wanted and alert.participant_id is not None:
                out[(alert.kind, alert.participant_id)] = alert
    return out


def _new_alert(
    kind: str,
    participant_id: int | None,
    office_id: int | None,
    items: list[AlertSignal],
    routing: dict[int, CaseRouting],
    now: datetime,
) -> Alert:
    latest = items[-1]
    route = routing.get(participant_id or -1)
    case_id = route.case_id if route else None
    route_office = route.office_id if route else office_id
    officer_id = route.officer_id if route else None
    policy = alert_policy()
    severity = severity_for(kind, latest.severity, policy.severities)
    return Alert(
        participant_id=participant_id,
        case_id=case_id,
        office_id=route_office,
        officer_id=officer_id,
        kind=kind,
        severity=severity,
        title=(latest.title or AlertKind(kind).label)[:200],
        opened_at=now,
        first_event_at=items[0].occurred_at,
        last_event_at=latest.occurred_at,
        occurrence_count=len(items),
        ack_due_at=ack_due_at(severity, now, policy.ack_sla),
        evidence=latest.evidence.as_json(),
    )


def _fold(existing: Alert, items: list[AlertSignal]) -> Alert:
    """Adds occurrences to an open alert (count, last event time, latest evidence)."""
    latest = items[-1]
    Alert.objects.filter(pk=existing.pk).update(
        occurrence_count=F("occurrence_count") + len(items),
        last_event_at=max(existing.last_event_at, latest.occurred_at),
        evidence=latest.evidence.as_json() or existing.evidence,
    )
    existing.refresh_from_db()
    return existing


def _open_alert(
    kind: str,
    participant_id: int | None,
    office_id: int | None,
    items: list[AlertSignal],
    routing: dict[int, CaseRouting],
    now: datetime,
) -> tuple[Alert, bool]:
    lookup: dict[str, Any] = {"kind": kind, "status__in": OPEN_STATES}
    if participant_id is not None:
        lookup["participant_id"] = participant_id
    else:
        lookup.update(participant__isnull=True, office_id=office_id)
    existing = Alert.objects.select_for_update().filter(**lookup).first()
    if existing is None:
        alert = _new_alert(kind, participant_id, office_id, items, routing, now)
        try:
            with transaction.atomic():  # a savepoint: a concurrent raise may win the race
                alert.save(force_insert=True)
            return alert, True
        except IntegrityError:
            existing = Alert.objects.select_for_update().get(**lookup)
    return _fold(existing, items), False


def _page_new_alerts(alert_ids: list[int], now: datetime) -> None:
    """Queues one message per new alert for its officer (the channels follow their preferences,
    in `delivery`) and one for the agency webhook when configured. Same transaction as the
    alert: the outbox row exists exactly when the alert does."""
    policy = alert_policy()
    rows = []
    for alert in Alert.objects.filter(pk__in=alert_ids).only(
        "pk", "officer_id", "severity", "title", "kind", "participant_id", "office_id"
    ):
        subject = f"[{alert.severity}] {alert.title}"[:200]
        body = f"Alert #{alert.pk} ({alert.kind}) needs acknowledgement."
        if alert.officer_id:
            rows.append(
                Notification(
                    user_id=alert.officer_id,
                    kind="alert.new",
                    subject=subject,
                    body=body,
                    dedupe_key=f"alert-new:{alert.pk}:{alert.officer_id}",
                    send_after=now,
                    created_at=now,
                    alert_id=alert.pk,
                )
            )
        if policy.webhook_url:
            rows.append(
                Notification(
                    kind="alert.new",
                    channel="webhook",
                    subject=subject,
                    body=body,
                    dedupe_key=f"alert-webhook:{alert.pk}",
                    send_after=now,
                    created_at=now,
                    alert_id=alert.pk,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def notification_enqueue(
    *,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str,
    user_id: int | None = None,
    participant_id: int | None = None,
    language: str = "en",
    channel: str = "",
    send_after: datetime | None = None,
    alert_id: int | None = None,
) -> bool:
    """Queues a message (already written in the recipient's language). Returns False when the
    same dedupe_key was queued before. Delivery is the channel workers' job."""
    if (user_id is None) == (participant_id is None):
        raise ValueError("a notification has exactly one recipient: a user or a participant")
    _, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key[:200],
        defaults={
            "kind": kind[:40],
            "subject": subject[:200],
            "body": body,
            "user_id": user_id,
            "participant_id": participant_id,
            "language": language,
            "channel": channel,
            "send_after": send_after or clock.now(),
            "created_at": clock.now(),
            "alert_id": alert_id,
        },
    )
    return created
