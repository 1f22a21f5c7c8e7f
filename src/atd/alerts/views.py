"""Console pages of alerts: the queue (live), one alert with its evidence and actions, the
officer's alert preferences. Thin adapters over selectors and services."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from atd.alerts import selectors, services
from atd.alerts.choices import AlertKind, Disposition, Severity
from atd.alerts.rules import SEVERITY_ORDER
from atd.alerts.services.preferences import PAGING_CHANNELS, officer_preference_set
from atd.alerts.types import AlertEvidence
from atd.core import clock
from atd.core.audit import audit_record
from atd.core.audit_export import export_audit_record
from atd.core.csv_export import EXPORT_MAX_ROWS, csv_response
from atd.core.errors import DomainError, NotFound
from atd.core.extensions import alert_asides, ordered
from atd.core.params import int_param, page_param
from atd.core.roles import STAFF_ROLES, Role
from atd.core.scope import STAFF_CASE_ROLES, Scope, scope_for
from atd.core.timezones import zone_label, zone_names
from atd.people.selectors import office_list, officer_list_for
from atd.supervision.selectors import zones_for_participants

PAGE = 50


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
        q=g.get("q", "").strip()[:100],
    )


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
        "rows": selectors.alert_rows(items),
        "total": total,
        "page": page_no,
        "pages": max((total + PAGE - 1) // PAGE, 1),
        "filters": filters,
        "query": query.urlencode(),
    }


def _queue_csv(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The queue under its current filter as CSV: every alert it matches (up to the export
    cap), audited with the alert ids and the count (core.audit_export)."""
    items, _total = selectors.alert_list(
        scope=scope, filters=_filters(request), offset=0, limit=EXPORT_MAX_ROWS
    )
    export_audit_record(
        actor=request.user,
        action="alert.export",
        object_type="alert",
        ids=[a.pk for a in items],
        reason=f"alert queue CSV, {len(items)} row(s)",
    )
    rows = selectors.alert_rows(items)
    return csv_response(
        "alert-queue.csv",
        ["alert_id", "opened", "severity", "status", "kind", "title", "participant", "office",
         "officer", "acknowledge_by"],
        [
            (r.a.pk, r.opened, r.severity_label, r.status_label, r.a.get_kind_display(),
             r.a.title, r.participant_name, r.office_name, r.officer_name, r.due_iso)
            for r in rows
        ],
    )  # fmt: skip


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    if request.GET.get("format") == "csv":
        return _queue_csv(request, scope)
    context = _queue_context(request, scope)
    context.update(
        kinds=AlertKind.choices,
        severities=[(s, Severity(s).label) for s in SEVERITY_ORDER],
        offices=office_list() if scope.role == Role.ADMIN else [],
        officers=officer_list_for(scope) if scope.role in (Role.SUPERVISOR, Role.ADMIN) else [],
        poll_seconds=settings.ATD_CONSOLE_POLL_SECONDS,
        server_now=clock.now(),
        dispositions=Disposition.choices,
        tz_label=zone_label(),
    )
    return render(request, "alerts/queue.html", context)


@login_required
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The queue's table body alone, fetched by the live refresh."""
    scope = scope_for(request, STAFF_CASE_ROLES)
    return render(request, "alerts/_queue_rows.html", _queue_context(request, scope))


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    try:
        alert = selectors.alert_detail_read(scope=scope, actor=request.user, alert_id=alert_id)
    except NotFound:
        raise Http404 from None
    evidence = AlertEvidence.from_json(alert.evidence or {})
    return render(
        request,
        "alerts/detail.html",
        {
            "a": alert,
            "row": selectors.alert_rows([alert])[0],
            "events": list(alert.events.all()[:200]),
            "transitions": list(alert.transitions.all()),
            "alert_messages": selectors.alert_messages_read(alert_id=alert.pk),
            "positions": evidence.positions[:50],
            "device": evidence.device,
            "evidence": evidence.facts,
            "dispositions": Disposition.choices,
            "server_now": clock.now(),
            **_participant_evidence(scope, alert, request.user),
        },
    )


def _participant_evidence(scope: Scope, alert: Any, actor: Any) -> dict[str, Any]:
    """Zones, and the sections other apps register beside the alert's own evidence (recent
    check-ins); the alert read above has already checked scope and been audited."""
    if not alert.participant_id:
        return {"zones": [], "asides": []}
    pid = alert.participant_id
    asides = []
    for aside in ordered(alert_asides):
        context = aside.context(scope, actor, pid)
        if context is not None:
            asides.append((aside.template, context))
    return {"zones": zones_for_participants([pid]).get(pid, []), "asides": asides}


def _back(request: HttpRequest, alert_id: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(reverse("alerts:detail", args=[alert_id]))


def _act(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
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


BULK_MAX = 200


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """The night shift's multi-select: one action, disposition and note applied to each chosen
    alert through the same service as a single click (so each is checked against the caller's
    scope and audited on its own). An alert that cannot take the action is reported, not
    fatal; an id outside the caller's scope is reported as not found."""
    scope = scope_for(request, STAFF_CASE_ROLES)
    post = request.POST
    action = post.get("action", "")
    ids = sorted({i for i in (int_param(v) for v in post.getlist("alert_id")) if i is not None})
    back = post.get("next", "")
    target = back if back.startswith("/") and not back.startswith("//") else reverse("alerts:queue")
    if action not in ("acknowledge", "resolve"):
        messages.error(request, "Choose Acknowledge or Resolve.")
        return redirect(target)
    if not ids:
        messages.error(request, "Select at least one alert.")
        return redirect(target)
    if len(ids) > BULK_MAX:
        messages.error(request, f"At most {BULK_MAX} alerts at once.")
        return redirect(target)
    note = post.get("note", "").strip()[:2000]
    disposition = post.get("disposition", "")
    if action == "resolve" and disposition not in Disposition.values:
        messages.error(request, "Choose a disposition to resolve the selected alerts.")
        return redirect(target)
    done: list[int] = []
    problems: list[str] = []
    for alert_id in ids:
        try:
            if action == "acknowledge":
                services.alert_acknowledge(
                    actor=request.user, scope=scope, alert_id=alert_id, note=note
                )
            else:
                services.alert_resolve(
                    actor=request.user,
                    scope=scope,
                    alert_id=alert_id,
                    disposition=disposition,
                    note=note,
                )
            done.append(alert_id)
        except NotFound:
            problems.append(f"#{alert_id}: not found")
        except DomainError as exc:
            detail = "; ".join(e.reason for e in exc.errors) or str(exc.detail or exc)
            problems.append(f"#{alert_id}: {detail}")
    verb = "acknowledged" if action == "acknowledge" else "resolved"
    if done:
        messages.success(request, f"{len(done)} alert(s) {verb}.")
    if problems:
        shown = "; ".join(problems[:10]) + (" …" if len(problems) > 10 else "")
        messages.error(request, f"{len(problems)} not {verb}: {shown}")
    return redirect(target)


@login_required
@require_POST
def acknowledge_for_participant(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
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


def _viewer_zone(user: Any) -> str:
    return selectors.viewer_zone_name(user)


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
                timezone=post.get("timezone", "") or _viewer_zone(request.user),
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
            "zones": zone_names(),
            "zone_selected": _viewer_zone(request.user),
        },
    )
