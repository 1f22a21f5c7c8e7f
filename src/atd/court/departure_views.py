"""Pages of departure requests: the participant's request and status (portal section, in their
language), the officer's "mark contacted" and the dashboard card of open departure tasks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from atd.core.audit import audit_record
from atd.core.errors import DomainError, NotFound
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope, scope_for
from atd.court import departure, selectors


def _error(request: HttpRequest, exc: DomainError) -> None:
    detail = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or str(exc)
    messages.error(request, detail)


def portal_section_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    if scope.role != Role.PARTICIPANT or not scope.participant_id:
        return None
    views = selectors.departure_views_for_participant(scope=scope, actor=request.user)
    return {
        "departures": views,
        "can_request": not any(v.stage not in ("departed", "cancelled") for v in views),
    }


@login_required
@require_http_methods(["GET", "POST"])
def portal_request(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, Role.PARTICIPANT)
    if request.method == "POST":
        try:
            departure.departure_request_from_portal(
                actor=request.user,
                scope=scope,
                statement=request.POST.get("statement", "")[:4000],
                needs_travel_document=request.POST.get("needs_travel_document") == "yes",
            )
            messages.success(
                request, _("Your request was received. Your officer will contact you.")
            )
            return redirect("portal:home")
        except DomainError as exc:
            _error(request, exc)
    return render(
        request,
        "court/portal_departure_request.html",
        {"task_days": int(getattr(settings, "ATD_DEPARTURE_TASK_DAYS", 3))},
    )


@login_required
@require_POST
def task_done(request: HttpRequest, departure_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    participant_id = None
    try:
        row = departure.departure_task_done(
            actor=request.user, scope=scope, departure_id=departure_id
        )
        participant_id = row.participant_id
        messages.success(request, "Task done: the participant was contacted.")
    except NotFound:
        from django.http import Http404

        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    if participant_id is None:
        return redirect("console:home")
    return redirect("console:participant_detail", participant_id)


def tasks_card_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    """Open departure tasks of the caller's caseload (names shown: an audited read)."""
    if scope.role not in STAFF_CASE_ROLES:
        return None
    rows = selectors.departure_tasks_open(scope=scope)
    if not rows:
        return None
    audit_record(
        actor=request.user,
        action="departure.list",
        object_type="participant",
        object_ids=sorted({r.participant_id for r in rows}),
        reason="dashboard: departure requests",
    )
    return {"rows": rows}
