"""Console pages of checkins: record an in-person check-in, view a check-in photo (audited)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from atd.checkins import identity_selectors, selectors, services
from atd.checkins.identity_views import photo_response
from atd.core import clock
from atd.core.errors import DomainError, NotFound
from atd.core.roles import Role
from atd.core.scope import scope_for
from atd.people.selectors import participant_detail_read

STAFF = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


@login_required
@require_http_methods(["GET", "POST"])
def in_person(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF)
    try:
        if request.method == "POST":
            result = services.checkin_in_person_record(
                actor=request.user,
                scope=scope,
                participant_id=participant_id,
                idempotency_key=request.POST.get("idempotency_key", "")[:64],
                note=request.POST.get("note", "")[:500],
            )
            messages.success(
                request, f"In-person check-in recorded. Receipt {result.checkin.receipt_code}."
            )
            return redirect("console:participant_detail", participant_id=participant_id)
        participant = participant_detail_read(
            scope=scope,
            actor=request.user,
            participant_id=participant_id,
            reason="record in-person check-in",
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, f"Not recorded: {exc}")
        return redirect("checkins:in_person", participant_id=participant_id)
    return render(
        request,
        "checkins/in_person.html",
        {
            "p": participant,
            "key": uuid.uuid4().hex,
            "next_window": selectors.window_next_for_participant(
                participant_id=participant_id, now=clock.now()
            ),
        },
    )


@login_required
def photo(request: HttpRequest, checkin_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF)
    try:
        served = identity_selectors.checkin_photo_serve(
            scope=scope,
            actor=request.user,
            checkin_id=checkin_id,
            purpose=identity_selectors.photo_purpose(request.GET.get("purpose")),
        )
    except NotFound:
        raise Http404 from None
    return photo_response(served, f"checkin-{checkin_id}")
