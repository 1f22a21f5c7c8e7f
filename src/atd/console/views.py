"""Officer console pages: thin adapters over people's selectors and services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from atd.alerts import selectors as alert_selectors
from atd.console.compliance import compliance_chart
from atd.console.timeline import participant_timeline
from atd.core import clock
from atd.core.audit import audit_batch, audit_record
from atd.core.audit_export import export_audit_record
from atd.core.audit_selectors import AuditFilters, audit_search_read
from atd.core.csv_export import EXPORT_MAX_ROWS, csv_response
from atd.core.errors import NotFound
from atd.core.extensions import dashboard_cards, ordered, participant_panels
from atd.core.form_actions import form_action
from atd.core.params import int_param, page_param
from atd.core.roles import Role
from atd.core.scope import Scope, scope_for
from atd.people import selectors, services
from atd.people.types import AddressFlagKind, CaseStatus, ClosureReason

PAGE = 50
CASE_ROLES = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


@login_required
@audit_batch()
def home(request: HttpRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if scope.role == Role.PARTICIPANT:
        return redirect("portal:home")
    if scope.role == Role.AUDITOR:
        return redirect("console:audit_search")
    if scope.role == Role.RECORDS_ANALYST:
        return redirect("console:intake_list")
    counts = selectors.caseload_counts(scope)
    flags = selectors.address_flag_counts(scope)
    flag_labels = selectors.address_flag_labels()
    cards = []
    for card in ordered(dashboard_cards):
        context = card.context(request, scope)
        if context is not None:
            cards.append((card.template, context))
    return render(
        request,
        "console/home.html",
        {
            "counts": [(s.label, counts.get(s.value, 0), s.value) for s in CaseStatus],
            "total": sum(counts.values()),
            "flags": [
                (AddressFlagKind(k).value, flag_labels.get(k, k), n)
                for k, n in sorted(flags.items())
            ],
            "cards": cards,
            "poll_seconds": settings.ATD_CONSOLE_POLL_SECONDS,
            "server_now": clock.now(),
            "is_supervisor": scope.role in (Role.SUPERVISOR, Role.ADMIN),
            **_dashboard_alerts_context(request, scope),
        },
    )


def _dashboard_alerts_context(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    if scope.role not in CASE_ROLES:
        return {"alert_counts": [], "alert_rows": [], "escalated": []}
    counts = alert_selectors.alert_counts_by_severity(scope)
    # The total comes from the severity counts: no second count over the same alerts.
    items, _ = alert_selectors.alert_list(
        scope=scope, filters=alert_selectors.AlertFilters(status="open"), limit=10, count=False
    )
    total = sum(c["open"] for c in counts.values())
    escalated = (
        alert_selectors.escalated_alerts(scope)
        if scope.role in (Role.SUPERVISOR, Role.ADMIN)
        else []
    )
    shown = {a.participant_id for a in [*items, *escalated] if a.participant_id}
    if shown:
        audit_record(
            actor=request.user,
            action="alert.list",
            object_type="participant",
            object_ids=sorted(shown),
            reason="dashboard",
        )
    return {
        "alert_counts": [(sev, c) for sev, c in counts.items()],
        "alert_rows": alert_selectors.alert_rows(items),
        "open_total": total,
        "escalated": alert_selectors.alert_rows(escalated),
    }


@login_required
def dashboard_alerts(request: HttpRequest) -> HttpResponse:
    """The dashboard's alert sections alone, fetched by the live refresh."""
    scope = scope_for(request, CASE_ROLES)
    context = _dashboard_alerts_context(request, scope)
    context["is_supervisor"] = scope.role in (Role.SUPERVISOR, Role.ADMIN)
    return render(request, "console/_dashboard_alerts.html", context)


def _caseload_row(p: Any) -> tuple[object, ...]:
    case = next(iter(p.cases.all()), None)  # the latest (prefetched by the selector)
    return (
        p.a_number,
        p.first_surname,
        p.given_names,
        case.get_status_display() if case is not None else "",
        case.office.name if case is not None and case.office_id else "",
        case.officer.get_full_name() if case is not None and case.officer_id else "",
    )


@login_required
def participant_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    page_no = page_param(request, page_size=PAGE)
    filters = selectors.ParticipantFilters(
        q=request.GET.get("q", "")[:100],
        office_id=int_param(request.GET.get("office")),
        officer_id=int_param(request.GET.get("officer")),
        status=request.GET.get("status", "")
        if request.GET.get("status") in CaseStatus.values
        else "",
        flag=request.GET.get("flag", "")
        if request.GET.get("flag") in [k.value for k in AddressFlagKind]
        else "",
    )
    if request.GET.get("format") == "csv":
        rows, _total = selectors.participant_list_read(
            scope=scope, actor=request.user, filters=filters, offset=0, limit=EXPORT_MAX_ROWS
        )
        export_audit_record(
            actor=request.user,
            action="participant.export",
            object_type="participant",
            ids=[p.pk for p in rows],
            reason=f"caseload CSV, {len(rows)} row(s)",
        )
        return csv_response(
            "caseload.csv",
            ["a_number", "surname", "given_names", "case_status", "office", "officer"],
            [_caseload_row(p) for p in rows],
        )
    items, total = selectors.participant_list_read(
        scope=scope, actor=request.user, filters=filters, offset=(page_no - 1) * PAGE, limit=PAGE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/participant_list.html",
        {
            "items": items,
            "total": total,
            "page": page_no,
            "pages": max((total + PAGE - 1) // PAGE, 1),
            "filters": filters,
            "statuses": CaseStatus.choices,
            "flag_kinds": [
                (k.value, selectors.address_flag_labels().get(k.value, k.value))
                for k in AddressFlagKind
            ],
            "offices": selectors.office_list() if scope.role in (Role.ADMIN,) else [],
            "officers": selectors.officer_list_for(scope)
            if scope.role in (Role.SUPERVISOR, Role.ADMIN)
            else [],
            "query": query.urlencode(),
        },
    )


@login_required
@audit_batch()  # every panel audits its own read: one chain-head lock and commit for all
def participant_detail(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    try:
        participant = selectors.participant_detail_read(
            scope=scope, actor=request.user, participant_id=participant_id
        )
    except NotFound:
        raise Http404 from None
    cases = list(participant.cases.all())
    panels = []
    for panel in ordered(participant_panels):
        context = panel.context(request, scope, participant.pk)
        if context is not None:
            panels.append((panel.template, context))
    now = clock.now()
    timeline = participant_timeline(
        scope=scope, participant_id=participant.pk, since=now - timedelta(days=90), cases=cases
    )
    chart = compliance_chart(
        alert_selectors.alert_daily_counts(scope, participant.pk, now - timedelta(days=31)),
        today=now.date(),
    )
    open_alerts = alert_selectors.alert_list(
        scope=scope,
        filters=alert_selectors.AlertFilters(participant_id=participant.pk),
        limit=50,
        count=False,  # the page lists them; no separate count query
    )[0]
    return render(
        request,
        "console/participant_detail.html",
        {
            "p": participant,
            "cases": cases,
            "addresses": list(participant.addresses.all()),
            "phone_changes": list(participant.phone_changes.all()),
            "phone_e164": services.phone_is_e164(participant.phone),
            "aliases": list(participant.aliases.all()),
            "closure_reasons": ClosureReason.choices,
            "statuses": CaseStatus.choices,
            "officers": selectors.officer_list_for(scope)
            if scope.role in (Role.SUPERVISOR, Role.ADMIN)
            else [],
            "can_reassign": scope.role in (Role.SUPERVISOR, Role.ADMIN),
            "panels": panels,
            "timeline": timeline,
            "chart": chart,
            "open_alerts": alert_selectors.alert_rows(open_alerts),
            "has_open": any(a.status == "open" for a in open_alerts),
            "server_now": now,
            "poll_seconds": settings.ATD_CONSOLE_POLL_SECONDS,
            "track_default_since": (now - timedelta(days=7)).date().isoformat(),
            "track_default_until": now.date().isoformat(),
            "tile_url": settings.ATD_MAP_TILE_URL,
        },
    )


def _redirect_to_case_participant(scope: Scope, case_id: int) -> HttpResponse:
    case = selectors.case_get_in_scope(scope=scope, case_id=case_id)
    return redirect(reverse("console:participant_detail", args=[case.participant_id]))


@login_required
@require_POST
def case_status(request: HttpRequest, case_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    form_action(
        request,
        lambda: services.case_change_status(
            actor=request.user,
            scope=scope,
            case_id=case_id,
            to_status=request.POST.get("to_status", ""),
            closure_reason=request.POST.get("closure_reason", ""),
            reason=request.POST.get("reason", ""),
        ),
        done="Case status changed.",
        refused="Not changed",
    )
    return _redirect_to_case_participant(scope, case_id)


@login_required
@require_POST
def case_assignment(request: HttpRequest, case_id: int) -> HttpResponse:
    scope = scope_for(request, (Role.SUPERVISOR, Role.ADMIN))
    outcome = form_action(
        request,
        lambda: services.case_reassign(
            actor=request.user,
            scope=scope,
            case_id=case_id,
            officer_id=int_param(request.POST.get("officer_id")),
            reason=request.POST.get("reason", ""),
        ),
        done="Case reassigned.",
        refused="Not reassigned",
    )
    if outcome.value is None:
        return _redirect_to_case_participant(scope, case_id)
    try:
        return _redirect_to_case_participant(scope, outcome.value.pk)
    except NotFound:
        # Reassigned outside the caller's own scope (admin moving offices is still in scope).
        return redirect("console:participant_list")


@login_required
def intake_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, (Role.RECORDS_ANALYST, Role.SUPERVISOR, Role.ADMIN))
    return render(
        request, "console/intake_list.html", {"batches": selectors.intake_batch_list(scope=scope)}
    )


@login_required
def intake_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    scope = scope_for(request, (Role.RECORDS_ANALYST, Role.SUPERVISOR, Role.ADMIN))
    try:
        batch = selectors.intake_batch_get(scope=scope, batch_id=batch_id)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "console/intake_detail.html",
        {"batch": batch, "errors": list(batch.row_errors.all()[:2000])},
    )


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_datetime(value if "T" in value else f"{value}T00:00:00+00:00")
    except ValueError:
        return None


@login_required
def audit_search(request: HttpRequest) -> HttpResponse:
    scope_for(request, (Role.AUDITOR, Role.ADMIN))
    page_no = page_param(request, page_size=PAGE)
    filters = AuditFilters(
        actor=request.GET.get("actor", "")[:150],
        action=request.GET.get("action", "")[:64],
        object_type=request.GET.get("object_type", "")[:64],
        object_id=request.GET.get("object_id", "")[:64],
        since=_dt(request.GET.get("since")),
        until=_dt(request.GET.get("until")),
    )
    if request.GET.get("format") == "csv":
        entries, _total = audit_search_read(
            actor=request.user, filters=filters, offset=0, limit=EXPORT_MAX_ROWS
        )
        export_audit_record(
            actor=request.user,
            action="audit.export",
            object_type="audit_entry",
            ids=[e.pk for e in entries],
            reason=f"audit search CSV, {len(entries)} row(s)",
        )
        return csv_response(
            "audit-log.csv",
            ["id", "at", "actor", "role", "action", "object_type", "object_ids", "outcome",
             "reason", "request_id", "source_ip"],
            [
                (e.pk, e.at.isoformat(), e.actor_label, e.role, e.action, e.object_type,
                 e.object_ids, e.outcome, e.reason, e.request_id, e.source_ip)
                for e in entries
            ],
        )  # fmt: skip
    items, total = audit_search_read(
        actor=request.user, filters=filters, offset=(page_no - 1) * PAGE, limit=PAGE
    )
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "items": items,
        "total": total,
        "page": page_no,
        "pages": max((total + PAGE - 1) // PAGE, 1),
        "f": request.GET,
        "query": query.urlencode(),
    }
    return render(request, "console/audit_search.html", context)
