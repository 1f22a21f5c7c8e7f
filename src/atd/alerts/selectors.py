"""Reads of alerts: scoped to the caller's participants (or office), audited when they show an
alert's evidence; counts for the dashboard; timeline items; a cheap change stamp for polling."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.timezone import localtime

from atd.alerts.choices import AlertStatus, Severity
from atd.alerts.models import (
    OPEN_STATES,
    Alert,
    AlertTransition,
    Notification,
    OfficerAlertPreference,
    OnCallEntry,
)
from atd.alerts.rules import SEVERITY_ORDER, message_delivery_state, sla_label
from atd.alerts.types import AlertRow, ParticipantAlertCounts
from atd.core import clock
from atd.core.audit import audit_record, read_one_audited
from atd.core.errors import NotFound
from atd.core.extensions import TimelineItem
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.core.timezones import zone_or_none
from atd.people.selectors import case_queryset_in_scope, office_list, participant_ids_matching


def alert_queryset_in_scope(scope: Scope) -> QuerySet[Alert]:
    """Alerts on cases the caller may see (an alert is routed to the participant's case when
    raised); office-level alerts (no participant) for that office's supervisor. Follows a
    reassignment at once, because the case row says who supervises it now."""
    if scope.role not in STAFF_CASE_ROLES:
        return Alert.objects.none()
    if scope.role == Role.ADMIN:
        return Alert.objects.all()
    condition = Q(case_id__in=case_queryset_in_scope(scope).values("pk"))
    if scope.role == Role.SUPERVISOR and scope.office_id is not None:
        condition |= Q(participant__isnull=True, office_id=scope.office_id)
    return Alert.objects.filter(condition)


def alert_get_in_scope(*, scope: Scope, alert_id: int, for_update: bool = False) -> Alert:
    qs = alert_queryset_in_scope(scope).filter(pk=alert_id)
    if for_update:
        qs = qs.select_for_update()
    alert = qs.first()
    if alert is None:
        raise NotFound()
    return alert


@dataclass(frozen=True)
class AlertFilters:
    kind: str = ""
    severity: str = ""
    status: str = "active"  # active = open or acknowledged; or one status; or "" for all
    office_id: int | None = None
    officer_id: int | None = None
    participant_id: int | None = None
    older_than_hours: int | None = None
    sla_breached: bool = False
    opened_after: datetime | None = None  # integrations poll for what is new
    q: str = ""  # participant name, A-number, or alert id ("#123" or "123")


def alert_list(
    *, scope: Scope, filters: AlertFilters, offset: int = 0, limit: int = 50, count: bool = True
) -> tuple[list[Alert], int]:
    """The queue: unacknowledged first, then by SLA due time. Shows titles and kinds only;
    the evidence is read (and audited) on the alert's own page."""
    qs = alert_queryset_in_scope(scope)
    if filters.status == "active":
        qs = qs.filter(status__in=OPEN_STATES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.office_id:
        qs = qs.filter(office_id=filters.office_id)
    if filters.officer_id:
        qs = qs.filter(officer_id=filters.officer_id)
    if filters.participant_id:
        qs = qs.filter(participant_id=filters.participant_id)
    now = clock.now()
    if filters.older_than_hours:
        qs = qs.filter(opened_at__lte=now - timedelta(hours=filters.older_than_hours))
    if filters.sla_breached:
        qs = qs.filter(status="open", ack_due_at__lt=now)
    if filters.opened_after:
        qs = qs.filter(opened_at__gt=filters.opened_after)
    if filters.q.strip():
        qs = qs.filter(_search_q(scope, filters.q.strip()))
    total = qs.count() if count else -1
    # Sort and cut the page on the alerts table alone, then join the 50 rows' participants
    # and officers: joining first makes PostgreSQL hash the whole participant table.
    ids = list(
        qs.order_by("-status", "ack_due_at", "-pk").values_list("pk", flat=True)[
            offset : offset + limit
        ]
    )
    rows = Alert.objects.filter(pk__in=ids).select_related("participant", "officer", "office")
    by_id = {a.pk: a for a in rows}
    return [by_id[pk] for pk in ids if pk in by_id], total


def _search_q(scope: Scope, q: str) -> Q:
    """An alert id (with or without '#'), or a participant's name or A-number."""
    condition = Q(participant_id__in=participant_ids_matching(scope, q))
    bare = q.lstrip("#").strip()
    if bare.isdigit() and len(bare) <= 12:
        condition |= Q(pk=int(bare))
    return condition


def alert_detail_read(*, scope: Scope, actor: Any, alert_id: int) -> Alert:
    """One alert with its evidence, events and history; every call is audited."""
    return read_one_audited(
        alert_queryset_in_scope(scope)
        .select_related("participant", "officer", "office", "acknowledged_by", "resolved_by")
        .prefetch_related("events", "transitions"),
        pk=alert_id,
        actor=actor,
        action="alert.read",
        object_type="alert",
    )


def alert_counts_by_severity(scope: Scope) -> dict[str, dict[str, int]]:
    """{severity: {"open": n, "acknowledged": n, "breached": n}} over active alerts."""
    now = clock.now()
    rows = (
        alert_queryset_in_scope(scope)
        .filter(status__in=OPEN_STATES)
        .values("severity", "status")
        .annotate(n=Count("id"), breached=Count("id", filter=Q(status="open", ack_due_at__lt=now)))
    )
    out = {s: {"open": 0, "acknowledged": 0, "breached": 0} for s in SEVERITY_ORDER}
    for row in rows:
        bucket = out.setdefault(row["severity"], {"open": 0, "acknowledged": 0, "breached": 0})
        bucket[row["status"]] += row["n"]
        bucket["breached"] += row["breached"]
    return out


def alert_counts_by_officer(scope: Scope) -> dict[int | None, dict[str, int]]:
    """Active alerts per assigned officer (supervisor's per-officer view)."""
    now = clock.now()
    rows = (
        alert_queryset_in_scope(scope)
        .filter(status__in=OPEN_STATES)
        .values("officer_id")
        .annotate(
            active=Count("id"),
            critical=Count("id", filter=Q(severity="critical")),
            breached=Count("id", filter=Q(status="open", ack_due_at__lt=now)),
        )
    )
    return {
        r["officer_id"]: {
            "active": r["active"],
            "critical": r["critical"],
            "breached": r["breached"],
        }
        for r in rows
    }


def alert_change_stamp(scope: Scope) -> str:
    """Changes whenever an alert the caller sees is raised, repeats, escalates or moves: the
    live views poll this (one aggregate) and fetch the rows only when it differs."""
    agg = alert_queryset_in_scope(scope).aggregate(
        n_open=Count("id", filter=Q(status="open")),
        n_ack=Count("id", filter=Q(status="acknowledged")),
        top=Max("pk"),
        last=Max("last_event_at"),
        acked=Max("acknowledged_at"),
        resolved=Max("resolved_at"),
        opened=Max("opened_at"),
        levels=Sum("escalation_level", filter=Q(status="open")),
    )
    return ":".join(str(agg[k]) for k in sorted(agg))


def escalated_alerts(scope: Scope, limit: int = 20) -> list[Alert]:
    """Active, unacknowledged alerts that have escalated (the supervisor's list)."""
    return list(
        alert_queryset_in_scope(scope)
        .filter(status="open", escalation_level__gt=0)
        .select_related("participant", "officer")
        .order_by("ack_due_at")[:limit]
    )


def alert_timeline_items(scope: Scope, participant_id: int, since: datetime) -> list[TimelineItem]:
    """The participant timeline's alert entries: raised, acknowledged, resolved, reopened."""
    alerts = list(
        alert_queryset_in_scope(scope)
        .filter(participant_id=participant_id)
        .filter(Q(opened_at__gte=since) | Q(status__in=OPEN_STATES) | Q(resolved_at__gte=since))
        .order_by("-opened_at")[:200]
    )
    items: list[TimelineItem] = []
    by_id = {a.pk: a for a in alerts}
    for a in alerts:
        items.append(
            TimelineItem(
                at=a.opened_at,
                kind="alert",
                title=f"Alert raised: {a.title} ({a.severity})",
                detail=f"{a.occurrence_count} occurrence(s)",
                url=f"/alerts/{a.pk}/",
            )
        )
    for t in AlertTransition.objects.filter(alert_id__in=list(by_id), at__gte=since):
        alert = by_id[t.alert_id]
        detail = t.get_disposition_display() if t.disposition else ""
        detail = " · ".join(x for x in (detail, t.note, t.actor_label) if x)
        label = t.get_action_display()
        if t.action == "escalate":
            label = f"Escalated (level {t.escalation_level})"
        items.append(
            TimelineItem(
                at=t.at,
                kind="alert",
                title=f"Alert {label.lower()}: {alert.title}",
                detail=detail,
                url=f"/alerts/{alert.pk}/",
            )
        )
    return items


def notifications_for_user(*, user_id: int, limit: int = 20) -> list[Notification]:
    """The in-app inbox of a staff user (their own messages only)."""
    return list(
        Notification.objects.filter(user_id=user_id, status=Notification.Status.SENT)
        .filter(Q(channel="") | Q(channel="in_app"))
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class MessageDelivery:
    """One message to a participant as the officer sees it: what, when, and how far it got."""

    notification_id: int
    kind: str
    subject: str
    queued_at: datetime
    status: str  # queued, sent, failed, cancelled (handed to the channel or not)
    channel: str  # the channel of the last attempt, "" before any
    provider_status: str  # what the SMS provider last reported: delivered, undelivered, …
    error: str  # the last failure's reason, if any
    attempts: int
    # queued / sent / delivered / failed (rules.message_delivery_state): what the officer reads
    state: str = ""
    send_after: datetime | None = None  # a queued message's next try (quiet hours, back-off)
    recipient: str = ""  # "participant" or the staff user's name (an alert's messages)


def _message_delivery(n: Notification, recipient: str = "") -> MessageDelivery:
    attempts = list(n.attempts.all())
    last = attempts[-1] if attempts else None
    failed = [a for a in attempts if not a.ok]
    provider_status = last.provider_status if last else ""
    return MessageDelivery(
        notification_id=n.pk,
        kind=n.kind,
        subject=n.subject,
        queued_at=n.created_at,
        status=n.status,
        channel=last.channel if last else "",
        provider_status=provider_status,
        error=(failed[-1].error if failed else "") or (last.provider_error if last else ""),
        attempts=len(attempts),
        state=message_delivery_state(n.status, provider_status),
        send_after=n.send_after if n.status == Notification.Status.QUEUED else None,
        recipient=recipient,
    )


def alert_messages_read(*, alert_id: int, limit: int = 50) -> list[MessageDelivery]:
    """The messages an alert sent (pages, escalations) with their delivery state. The caller
    has already read the alert in scope."""
    rows = list(
        Notification.objects.filter(alert_id=alert_id)
        .select_related("user")
        .order_by("-created_at", "-pk")
        .prefetch_related("attempts")[:limit]
    )
    return [_message_delivery(n, n.user.get_username() if n.user else "participant") for n in rows]


def participant_messages_read(
    *, scope: Scope, actor: Any, participant_id: int, limit: int = 20
) -> list[MessageDelivery]:
    """The latest messages sent to a participant with their delivery state (audited read)."""
    if not case_queryset_in_scope(scope).filter(participant_id=participant_id).exists():
        raise NotFound()
    rows = list(
        Notification.objects.filter(participant_id=participant_id)
        .order_by("-created_at", "-pk")
        .prefetch_related("attempts")[:limit]
    )
    out = [_message_delivery(n, "participant") for n in rows]
    audit_record(
        actor=actor,
        action="participant.messages_read",
        object_type="participant",
        object_ids=[participant_id],
        reason=f"{len(out)} message(s)",
    )
    return out


def preference_for(user_id: int) -> OfficerAlertPreference | None:
    return OfficerAlertPreference.objects.filter(user_id=user_id).first()


def supervisors_of_office(office_id: int | None) -> list[Any]:
    if office_id is None:
        return []
    return list(
        get_user_model()
        .objects.filter(role=Role.SUPERVISOR, office_id=office_id, is_active=True)
        .order_by("pk")
    )


def on_call_list(office_id: int | None) -> list[OnCallEntry]:
    if office_id is None:
        return []
    return list(
        OnCallEntry.objects.filter(office_id=office_id, user__is_active=True).select_related("user")
    )


def alert_daily_counts(
    scope: Scope, participant_id: int, since: datetime
) -> dict[Any, dict[str, int]]:
    """{date: {severity: alerts raised that day}} for one participant (the compliance chart)."""
    from django.db.models.functions import TruncDate

    rows = (
        alert_queryset_in_scope(scope)
        .filter(participant_id=participant_id, opened_at__gte=since)
        .annotate(day=TruncDate("opened_at"))
        .values("day", "severity")
        .annotate(n=Count("id"))
    )
    out: dict[Any, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row["day"], {})[row["severity"]] = row["n"]
    return out


def alert_rows(alerts: list[Alert]) -> list[AlertRow]:
    """Rows for the queue and the dashboard, with the SLA timer's fallback text. URLs, labels
    and times are worked out here once per row: in the template (`{% url %}`, `|date`, method
    calls) they were most of a 50-row queue page's server time."""
    now = clock.now()
    detail = reverse("alerts:detail", args=[0])[:-2]  # ".../0/" -> prefix, ids appended
    acknowledge = reverse("alerts:acknowledge", args=[0])
    participant = reverse("console:participant_detail", args=[0])[:-2]
    severities = dict(Severity.choices)
    statuses = dict(AlertStatus.choices)
    rows = []
    for a in alerts:
        p = a.participant if a.participant_id else None
        rows.append(
            AlertRow(
                a=a,
                sla_text=sla_label(a.ack_due_at - now) if a.status == "open" else "acknowledged",
                breached=a.status == "open" and a.ack_due_at < now,
                detail_url=f"{detail}{a.pk}/",
                ack_url=acknowledge.replace("/0/", f"/{a.pk}/"),
                participant_url=f"{participant}{a.participant_id}/" if p else "",
                participant_name=f"{p.first_surname}, {p.given_names}" if p else "",
                office_name="" if p or a.office is None else a.office.name,
                officer_name=a.officer.get_full_name() if a.officer is not None else "",
                severity_label=severities.get(a.severity, a.severity),
                status_label=statuses.get(a.status, a.status),
                opened=localtime(a.opened_at).strftime("%Y-%m-%d %H:%M %Z"),
                due_iso=localtime(a.ack_due_at).isoformat(),
            )
        )
    return rows


def alert_counts_for_participant(*, participant_id: int, since: datetime) -> ParticipantAlertCounts:
    """One participant's alerts opened since `since`, by kind and by disposition, and the
    unresolved ones, counting those opened before `since` too (they still weigh against a
    step-down). The caller has checked the participant is in scope."""
    by_kind: dict[str, int] = {}
    by_disposition: dict[str, int] = {}
    unresolved = 0
    rows = Alert.objects.filter(participant_id=participant_id, opened_at__gte=since).values_list(
        "kind", "status", "disposition"
    )
    for kind, status, disposition in rows:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if status == "resolved":
            key = disposition or "unspecified"
            by_disposition[key] = by_disposition.get(key, 0) + 1
        else:
            unresolved += 1
    unresolved += (
        Alert.objects.filter(participant_id=participant_id, opened_at__lt=since)
        .exclude(status="resolved")
        .count()
    )
    return ParticipantAlertCounts(
        by_kind=by_kind, by_disposition=by_disposition, unresolved=unresolved
    )


def participant_ids_with_open_alerts(scope: Scope) -> set[int]:
    """Participants in scope with an alert nobody has acknowledged yet (the fleet map's red)."""
    return set(
        alert_queryset_in_scope(scope)
        .filter(status="open", participant_id__isnull=False)
        .values_list("participant_id", flat=True)
        .distinct()
    )


def participant_ids_with_unresolved_alert(*, kinds: Iterable[str]) -> set[int]:
    """Participants with an alert of one of these kinds not yet resolved (open or
    acknowledged), whatever the caller's scope: for retention jobs that keep evidence."""
    return set(
        Alert.objects.filter(kind__in=list(kinds), participant_id__isnull=False)
        .exclude(status="resolved")
        .values_list("participant_id", flat=True)
        .distinct()
    )


def viewer_zone_name(user: Any) -> str:
    """The zone a staff member sees times in (the preferences page's default too)."""
    pref = preference_for(int(getattr(user, "pk", 0) or 0))
    if pref is not None and pref.timezone and zone_or_none(pref.timezone) is not None:
        return str(pref.timezone)
    office_id = getattr(user, "office_id", None)
    if office_id:
        tz = office_list().filter(pk=office_id).values_list("timezone", flat=True).first()
        if tz and zone_or_none(tz) is not None:
            return str(tz)
    return "UTC"


def alert_open_critical_count(*, participant_id: int) -> int:
    """Critical alerts of one participant not yet resolved, whenever opened (a review's "no open
    critical alert" rule). The caller has checked the participant is in scope."""
    return (
        Alert.objects.filter(participant_id=participant_id, severity="critical")
        .exclude(status="resolved")
        .count()
    )
