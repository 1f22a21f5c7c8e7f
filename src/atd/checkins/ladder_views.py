"""Console actions of the graduated response: mark a miss technical, complete a task."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from atd.checkins import services
from atd.core.form_actions import form_action
from atd.core.scope import STAFF_CASE_ROLES, scope_for


def _back(participant_id: int) -> HttpResponse:
    response = redirect("console:participant_detail", participant_id=participant_id)
    response["Location"] += "#ladder"
    return response


@login_required
@require_POST
def mark_technical(request: HttpRequest, participant_id: int, miss_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    form_action(
        request,
        lambda: services.ladder_miss_mark_technical(
            actor=request.user,
            scope=scope,
            participant_id=participant_id,
            miss_id=miss_id,
            note=request.POST.get("note", "")[:2000],
        ),
        done="Marked technical: it no longer counts on the ladder.",
        refused="Not changed",
    )
    return _back(participant_id)


@login_required
@require_POST
def task_done(request: HttpRequest, participant_id: int, ladder_task_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    form_action(
        request,
        lambda: services.ladder_task_complete(
            actor=request.user,
            scope=scope,
            participant_id=participant_id,
            task_id=ladder_task_id,
            note=request.POST.get("note", "")[:2000],
        ),
        done="Task done.",
        refused="Not changed",
    )
    return _back(participant_id)
