"""Console pages of alerts: the queue (live), one alert with its evidence and actions, the
officer's alert preferences. Thin adapters over selectors and services."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from atd.alerts import selectors, services
from atd.alerts.choices import AlertKind, AlertStatus, Disposition, Severity
from atd.alerts.rules import SEVERITY_ORDER, sla_label
from atd.alerts.services.preferences import PAGING_CHANNELS, officer_preference_set
from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import DomainError, NotFound
from atd.core.params import int_param, page_param
from atd.core.roles import STAFF_ROLES, Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.people.selectors import office_list, officer_list_for

PAGE = 50


def _scope(request: HttpRequest) -> Scope:
    scope = Scope.for_user(request.user)
    if scope.role not in STAFF_CASE_ROLES:
        raise PermissionDenied
    return scope


def _filters(request: HttpRequest) -> selectors.AlertFilters:
    g = request.GET
    status = g.get("status", "active")
    return selectors.AlertFilters(
        kind=g.get("kind", "") if g.get("kind") in AlertKind.values else "",
        severity=g.get("severity", "") if g.get("severity") in Severity.values else "",
        status=status if status in ("active", "open", "acknowledged", "resolved", "") else "active",
        office_id=int_param(g.get("office")),
        officer_id=int_param(g.get("officer")),
        participant_id=int_param(g.get("participant")),
        older_than_hours=int_param(g.get("older_than_hours"), minimum=0, maximum=24 * 366 * 10),
        sla_breached=g.get("breached") == "1",
    )


def alert_rows(alerts: list[Any]) -> list[dict[str, Any]]:
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
            {
                "a": a,
                "sla_text": sla_label(a.ack_due_at - now) if a.status == "open" else "acknowledged",
                "breached": a.status == "open" and a.ack_due_at < now,
                "detail_url": f"{detail}{a.pk}/",
                "ack_url": acknowledge.replace("/0/", f"/{a.pk}/"),
                "participant_url": f"{participant}{a.participant_id}/" if p else "",
                "participant_name": f"{p.first_surname}, {p.given_names}" if p else "",
                "office_name": "" if p else (a.office.name if a.office_id else ""),
                "officer_name": a.officer.get_full_name() if a.officer_id else "",
                "severity_label": severities.get(a.severity, a.severity),
                "status_label": statuses.get(a.status, a.status),
                "opened": localtime(a.opened_at).strftime("%Y-%m-%d %H:%M"),
                "due_iso": localtime(a.ack_due_at).isoformat(),
            }
        )
    return rows


def _queue_context(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    filters = _filters(request)
    page_no = page_param(request, page_size=PAGE)
    items, total = selectors.alert_list(
        scope=scope, filters=filters, offset=(page_no - 1) * PAGE, limit=PAGE
    )
    # The queue shows participant names: a read of personal data, audited by ids shown.
    audit_record(
        actor=request.user,
        action="alert.list",
        object_type="participant",
        object_ids=sorted({a.participant_id for a in items if a.participant_id}),
        reason="alert queue",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "rows": alert_rows(items),
        "total": total,
        "page": page_no,
        "pages": max((total + PAGE - 1) // PAGE, 1),
        "filters": filters,
        "query": query.urlencode(),
    }


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    context = _queue_context(request, scope)
    context.update(
        kinds=AlertKind.choices,
        severities=[(s, Severity(s).label) for s in SEVERITY_ORDER],
        offices=office_list() if scope.role == Role.ADMIN else [],
        officers=officer_list_for(scope) if scope.role in (Role.SUPERVISOR, Role.ADMIN) else [],
        poll_seconds=settings.ATD_CONSOLE_POLL_SECONDS,
        server_now=clock.now(),
    )
    return render(request, "alerts/queue.html", context)


@login_required
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The queue's table body alone, fetched by the live refresh."""
    scope = _scope(request)
    return render(request, "alerts/_queue_rows.html", _queue_context(request, scope))


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    scope = _scope(request)
    try:
        alert = selectors.alert_detail_read(scope=scope, actor=request.user, alert_id=alert_id)
    except NotFound:
        raise Http404 from None
    evidence = alert.evidence or {}
    positions = evidence.get("positions") or evidence.get("last_positions") or []
    other = {k: v for k, v in evidence.items() if k not in ("positions", "last_positions")}
    return render(
        request,
        "alerts/detail.html",
        {
            "a": alert,
            "row": alert_rows([alert])[0],
            "events": list(alert.events.all()[:200]),
            "transitions": list(alert.transitions.all()),
            "positions": _positions(positions),
            "evidence": other,
            "dispositions": Disposition.choices,
            "server_now": clock.now(),
            **_participant_evidence(scope, alert, request.user),
        },
    )


def _participant_evidence(scope: Scope, alert: Any, actor: Any) -> dict[str, Any]:
    """Zones and recent check-ins beside the alert's own evidence (the alert read above has
    already checked scope and been audited)."""
    if not alert.participant_id:
        return {"zones": [], "recent_checkins": []}
    from atd.console.track import checkin_points_source, point_of, zones_of

    now = clock.now()
    checkins: list[dict[str, Any]] = []
    fn = checkin_points_source(actor)
    if fn is not None:
        raw = fn(scope, alert.participant_id, now - timedelta(days=14), now)
        checkins = [p for p in (point_of(r) for r in raw) if p is not None][-10:]
    return {"zones": zones_of(alert.participant_id), "recent_checkins": checkins}


def _positions(raw: Any) -> list[dict[str, Any]]:
    """Evidence positions as the template shows them, whatever keys the detector used."""
    out = []
    for p in raw if isinstance(raw, list) else []:
        if isinstance(p, dict):
            out.append(
                {
                    "at": p.get("at") or p.get("t") or p.get("fix_at") or "",
                    "lat": p.get("lat", p.get("latitude")),
                    "lon": p.get("lon", p.get("longitude")),
                    "accuracy": p.get("accuracy_m", p.get("acc", p.get("accuracy"))),
                }
            )
    return out[:50]


def _back(request: HttpRequest, alert_id: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(reverse("alerts:detail", args=[alert_id]))


def _act(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    scope = _scope(request)
    post = request.POST
    try:
        if action == "acknowledge":
            services.alert_acknowledge(
                actor=request.user, scope=scope, alert_id=alert_id, note=post.get("note", "")
            )
            messages.success(request, f"Alert #{alert_id} acknowledged.")
        elif action == "resolve":
            services.alert_resolve(
                actor=request.user,
                scope=scope,
                alert_id=alert_id,
                disposition=post.get("disposition", ""),
                note=post.get("note", ""),
            )
            messages.success(request, f"Alert #{alert_id} resolved.")
        else:
            services.alert_reopen(
                actor=request.user, scope=scope, alert_id=alert_id, reason=post.get("reason", "")
            )
            messages.success(request, f"Alert #{alert_id} reopened.")
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        detail = "; ".join(e.reason for e in exc.errors) or str(exc)
        messages.error(request, f"Not done: {detail}")
        return redirect(reverse("alerts:detail", args=[alert_id]))
    return _back(request, alert_id)


@login_required
@require_POST
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _act(request, alert_id, "acknowledge")


@login_required
@require_POST
def resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _act(request, alert_id, "resolve")


@login_required
@require_POST
def reopen(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _act(request, alert_id, "reopen")


@login_required
@require_POST
def acknowledge_for_participant(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = _scope(request)
    try:
        ids = services.alert_acknowledge_for_participant(
            actor=request.user,
            scope=scope,
            participant_id=participant_id,
            note=request.POST.get("note", ""),
        )
    except NotFound:
        raise Http404 from None
    messages.success(request, f"{len(ids)} alert(s) acknowledged.")
    return redirect(reverse("console:participant_detail", args=[participant_id]))


def _time(value: str) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "role", None) not in STAFF_ROLES:
        raise PermissionDenied
    user_id = int(request.user.pk or 0)
    pref = selectors.preference_for(user_id)
    if request.method == "POST":
        post = request.POST
        try:
            officer_preference_set(
                actor=request.user,
                user_id=user_id,
                on_call_weekdays=[int(d) for d in post.getlist("weekday") if d.isdigit()],
                on_call_start=_time(post.get("start", "")),
                on_call_end=_time(post.get("end", "")),
                timezone=post.get("timezone", "UTC") or "UTC",
                page_severities=post.getlist("severity"),
                channels=post.getlist("channel"),
                phone=post.get("phone", ""),
            )
            messages.success(request, "Alert preferences saved.")
            return redirect("alerts:preferences")
        except DomainError as exc:
            messages.error(request, "Not saved: " + "; ".join(e.reason for e in exc.errors))
    return render(
        request,
        "alerts/preferences.html",
        {
            "pref": pref,
            "weekdays": list(enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])),
            "severities": SEVERITY_ORDER,
            "channels": PAGING_CHANNELS,
            "inbox": selectors.notifications_for_user(user_id=user_id),
        },
    )
