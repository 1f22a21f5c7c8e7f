"""Supervisor pages: caseload and alerts per officer, and caseload balancing through
people.services.case_reassign (one audited reassignment per case)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from atd.alerts.selectors import alert_counts_by_officer
from atd.alerts.services.routing import alert_routing_sync
from atd.console.rules import rebalance_plan
from atd.core.errors import DomainError
from atd.core.roles import Role
from atd.core.scope import Scope, scope_for
from atd.people import selectors, services

MAX_MOVE = 200


SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)


def officer_loads(scope: Scope) -> dict[int, int]:
    """Open (not closed) cases per officer in the caller's scope, zero for idle officers."""
    loads = {o.pk: 0 for o in selectors.officer_list_for(scope)}
    rows = (
        selectors.case_queryset_in_scope(scope)
        .exclude(status="closed")
        .filter(officer_id__isnull=False)
        .values("officer_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        loads[row["officer_id"]] = row["n"]
    return loads


@login_required
def officers(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, SUPERVISING)
    loads = officer_loads(scope)
    alerts = alert_counts_by_officer(scope)
    people = {o.pk: o for o in selectors.officer_list_for(scope)}
    rows: list[dict[str, Any]] = []
    for officer_id, n in sorted(loads.items(), key=lambda kv: -kv[1]):
        a = alerts.get(officer_id, {})
        rows.append(
            {
                "officer": people.get(officer_id),
                "officer_id": officer_id,
                "cases": n,
                "active": a.get("active", 0),
                "critical": a.get("critical", 0),
                "breached": a.get("breached", 0),
            }
        )
    unassigned = alerts.get(None, {})
    plan = [
        (people.get(a), people.get(b), n)
        for a, b, n in rebalance_plan({k: v for k, v in loads.items() if k in people})
    ]
    return render(
        request,
        "console/officers.html",
        {"rows": rows, "plan": plan, "officers": list(people.values()), "unassigned": unassigned},
    )


@login_required
@require_POST
def officers_rebalance(request: HttpRequest) -> HttpResponse:
    """Moves up to `count` open cases from one officer to another, newest first."""
    scope = scope_for(request, SUPERVISING)
    try:
        from_id = int(request.POST.get("from_officer", ""))
        to_id = int(request.POST.get("to_officer", ""))
        count = max(1, min(int(request.POST.get("count", "1")), MAX_MOVE))
    except ValueError:
        messages.error(request, "Choose two officers and a number of cases.")
        return redirect("console:officers")
    reason = request.POST.get("reason", "").strip() or "caseload balancing"
    case_ids = list(
        selectors.case_queryset_in_scope(scope)
        .exclude(status="closed")
        .filter(officer_id=from_id)
        .order_by("-opened_at", "-pk")
        .values_list("pk", flat=True)[:count]
    )
    moved = 0
    for case_id in case_ids:
        try:
            services.case_reassign(
                actor=request.user, scope=scope, case_id=case_id, officer_id=to_id, reason=reason
            )
            moved += 1
        except DomainError as exc:
            detail = "; ".join(e.reason for e in exc.errors) or str(exc)
            messages.error(request, f"Stopped after {moved} case(s): {detail}")
            return redirect("console:officers")
    if moved:
        alert_routing_sync()  # the moved cases' alerts show under their new officer at once
    messages.success(request, f"{moved} case(s) reassigned.")
    return redirect("console:officers")
