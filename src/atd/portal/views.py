"""Participant portal pages: a participant only ever sees their own record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from atd.core.errors import DomainError
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people import selectors, services


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if scope.role != Role.PARTICIPANT:
        return redirect("console:home")
    participant = selectors.participant_detail_read(
        scope=scope,
        actor=request.user,
        participant_id=scope.participant_id or -1,
        reason="portal home",
    )
    return render(
        request, "portal/home.html", {"p": participant, "cases": list(participant.cases.all())}
    )


@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest) -> HttpResponse:
    """Creates the participant's own account from the one-time code their officer gave them."""
    if request.method == "POST":
        try:
            user = services.participant_account_enroll(
                a_number=request.POST.get("a_number", "")[:16],
                code=request.POST.get("code", "")[:32],
                password=request.POST.get("password", "")[:200],
            )
        except DomainError as exc:
            detail = "; ".join(e.reason for e in exc.errors) or str(exc)
            messages.error(request, detail)
            return render(request, "portal/enroll.html", status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("portal:home")
    return render(request, "portal/enroll.html")
