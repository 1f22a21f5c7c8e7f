"""Console pages of supervision: change a plan (form on the participant page), cost table."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from atd.core import clock
from atd.core.errors import DomainError, NotFound
from atd.core.params import int_or
from atd.core.roles import Role
from atd.core.scope import scope_for
from atd.supervision import selectors, services
from atd.supervision.rules import DEFAULT_COST_PER_DAY

STAFF = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


@login_required
@require_POST
def plan_set(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF)
    try:
        start = date.fromisoformat(
            request.POST.get("start_date", "") or clock.now().date().isoformat()
        )
    except ValueError:
        start = clock.now().date()
    cadence = int_or(request.POST.get("custom_days"), 0) or int_or(
        request.POST.get("cadence_days"), 0
    )
    try:
        services.plan_set(
            actor=request.user,
            scope=scope,
            participant_id=participant_id,
            technology=request.POST.get("technology", ""),
            cadence_days=cadence,
            checkin_mode=request.POST.get("checkin_mode", ""),
            start_date=start,
            reason=request.POST.get("reason", "")[:500],
        )
        messages.success(request, "Plan changed.")
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        detail = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or str(exc)
        messages.error(request, f"Plan not changed: {detail}")
    return redirect("console:participant_detail", participant_id=participant_id)


@login_required
def cost_rates(request: HttpRequest) -> HttpResponse:
    scope_for(request, (*STAFF, Role.RECORDS_ANALYST, Role.AUDITOR))
    today = clock.now().date()
    table = selectors.cost_rate_table(today)
    detention = table.get("detention")
    rows = [
        (tech, rate, (detention / rate).quantize(1) if rate and detention else None)
        for tech, rate in table.items()
        if tech != "detention"
    ]
    return render(
        request,
        "supervision/cost_rates.html",
        {
            "today": today,
            "rows": rows,
            "detention": detention,
            "rates": selectors.cost_rates_list(),
            "defaults": DEFAULT_COST_PER_DAY,
        },
    )
