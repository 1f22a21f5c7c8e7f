"""Console pages of matching: the records analysts' review queue and feed batches."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from atd.core import clock
from atd.core.errors import DomainError, NotFound
from atd.core.scope import scope_for
from atd.matching import selectors, services
from atd.matching.choices import CandidateStatus, SecondIdentifier
from atd.people.selectors import case_closed_for_participant
from atd.people.types import REOPEN_REASON_LABELS


def last_authenticated_at(request: HttpRequest) -> datetime | None:
    """When this session last proved who it is (allauth's login / re-authentication log)."""
    from allauth.account.authentication import get_authentication_records

    stamps: list[float] = [
        float(r["at"])
        for r in get_authentication_records(request, request.user)
        if isinstance(r, dict) and isinstance(r.get("at"), int | float)
    ]
    return datetime.fromtimestamp(max(stamps), tz=UTC) if stamps else None


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, selectors.QUEUE_ROLES)
    status = request.GET.get("status", CandidateStatus.PENDING)
    if status not in CandidateStatus.values:
        status = CandidateStatus.PENDING
    items = selectors.review_queue_read(scope=scope, actor=request.user, status=status)
    counts = selectors.queue_counts(scope)
    return render(
        request,
        "matching/queue.html",
        {
            "items": items,
            "status": status,
            "tabs": [
                (value, label, counts.get(value, 0)) for value, label in CandidateStatus.choices
            ],
        },
    )


@login_required
def candidate_detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.QUEUE_ROLES)
    try:
        item = selectors.candidate_detail_read(
            scope=scope, actor=request.user, candidate_id=candidate_id
        )
    except NotFound:
        raise Http404 from None
    authenticated_at = last_authenticated_at(request)
    return render(
        request,
        "matching/candidate_detail.html",
        {
            "item": item,
            "c": item.candidate,
            "b": item.candidate.booking,
            "second_identifiers": SecondIdentifier.choices,
            # A booking of a person whose case is closed may be a re-encounter: offer reopening
            # (issue 19; the console's reopen form decides who may).
            "closed_case": case_closed_for_participant(item.candidate.participant_id),
            "reopen_reasons": list(REOPEN_REASON_LABELS.items()),
            "needs_password": authenticated_at is None
            or (clock.now() - authenticated_at).total_seconds() > 60 * _fresh_minutes(),
            "max_weight": max(
                [abs(s.get("match_weight", 0)) for s in item.candidate.explanation] or [1]
            ),
        },
    )


def _fresh_minutes() -> int:
    from django.conf import settings

    return int(settings.ATD_MATCHING_FRESH_AUTH_MINUTES)


def _decide(request: HttpRequest, candidate_id: int, action: Any) -> HttpResponse:
    try:
        action()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail or exc.title)
        return redirect("matching:candidate_detail", candidate_id=candidate_id)
    return redirect("matching:queue")


@login_required
@require_POST
def candidate_confirm(request: HttpRequest, candidate_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.QUEUE_ROLES)
    authenticated_at = last_authenticated_at(request)
    password = request.POST.get("password", "")
    if password:
        # Entering the password on the form is a re-authentication for this decision.
        if request.user.check_password(password):
            authenticated_at = clock.now()
        else:
            messages.error(request, "The password is not correct.")
            return redirect("matching:candidate_detail", candidate_id=candidate_id)

    def act() -> None:
        services.candidate_confirm(
            actor=request.user,
            scope=scope,
            candidate_id=candidate_id,
            second_identifier=request.POST.get("second_identifier", ""),
            verification_note=request.POST.get("verification_note", "")[:500],
            reason=request.POST.get("reason", "")[:500],
            authenticated_at=authenticated_at,
        )
        messages.success(request, "Match confirmed; the case officer has been alerted.")

    return _decide(request, candidate_id, act)


@login_required
@require_POST
def candidate_reject(request: HttpRequest, candidate_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.QUEUE_ROLES)

    def act() -> None:
        services.candidate_reject(
            actor=request.user,
            scope=scope,
            candidate_id=candidate_id,
            reason=request.POST.get("reason", "")[:500],
        )
        messages.success(request, "Candidate rejected; this pair will not be queued again.")

    return _decide(request, candidate_id, act)


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, selectors.BATCH_ROLES)
    return render(
        request, "matching/batch_list.html", {"batches": selectors.feed_batch_list(scope=scope)}
    )


@login_required
def batch_detail(request: HttpRequest, feed_batch_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.BATCH_ROLES)
    try:
        batch = selectors.feed_batch_get(scope=scope, batch_id=feed_batch_id)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "matching/batch_detail.html",
        {"batch": batch, "errors": list(batch.row_errors.all()[:1000])},
    )
