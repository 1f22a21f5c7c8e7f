"""Pages of reviews: the participant's request, status and decision letter (portal side) and
the officer's queue, pre-filled decision page and appeal decisions (console side)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from atd.core.errors import DomainError, Forbidden, NotFound
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.people.selectors import participant_get_in_scope
from atd.reviews import selectors, services
from atd.reviews.choices import DecisionReason
from atd.reviews.letters import TECHNOLOGY_NAMES, technology_name
from atd.reviews.pdf import letter_pdf as render_letter_pdf
from atd.reviews.rules import next_step_down


def _scope(request: HttpRequest, *roles: str) -> Scope:
    scope = Scope.for_user(request.user)
    if roles and scope.role not in roles:
        raise PermissionDenied
    return scope


def _error(request: HttpRequest, exc: DomainError) -> None:
    detail = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or str(exc)
    messages.error(request, detail)


# --- participant (portal) -------------------------------------------------------------------


def portal_section_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    if scope.role != Role.PARTICIPANT or not scope.participant_id:
        return None
    return {
        "reviews": selectors.reviews_for_participant(
            scope=scope, participant_id=scope.participant_id
        )
    }


@login_required
@require_http_methods(["GET", "POST"])
def portal_request(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Role.PARTICIPANT)
    if request.method == "POST":
        try:
            services.review_request_submit(
                actor=request.user,
                scope=scope,
                participant_id=scope.participant_id or -1,
                statement=request.POST.get("statement", "")[:4000],
            )
            messages.success(
                request, _("Your request was received. You will get a decision in writing.")
            )
            return redirect("portal:home")
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _error(request, exc)
    return render(request, "reviews/portal_request.html", {})


def _letter_context(request: HttpRequest, review_id: int) -> tuple[Any, Any]:
    """The letter of a decided review, in the participant's language (staff may pick one)."""
    scope = _scope(request, *STAFF_CASE_ROLES, Role.PARTICIPANT)
    try:
        review = selectors.review_read(scope=scope, actor=request.user, request_id=review_id)
    except NotFound:
        raise Http404 from None
    if review.decided_at is None:
        raise Http404
    participant = participant_get_in_scope(scope=scope, participant_id=review.participant_id)
    language = request.GET.get("lang") if scope.role != Role.PARTICIPANT else None
    return review, services.review_letter(review, language or participant.preferred_language)


@login_required
def letter(request: HttpRequest, decided_review_id: int) -> HttpResponse:
    review, text = _letter_context(request, decided_review_id)
    return render(
        request, "reviews/letter.html", {"review": review, "letter": text, "lang": text.language}
    )


@login_required
def letter_pdf(request: HttpRequest, decided_review_id: int) -> HttpResponse:
    review, text = _letter_context(request, decided_review_id)
    body = [*text.paragraphs, *([text.explanation] if text.explanation else [])]
    pdf = render_letter_pdf(text.title, f"Ref. {review.pk}", body)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="decision-{review.pk}.pdf"'
    return response


@login_required
@require_POST
def appeal(request: HttpRequest, decided_review_id: int) -> HttpResponse:
    review_id = decided_review_id
    scope = _scope(request, *STAFF_CASE_ROLES, Role.PARTICIPANT)
    try:
        services.review_appeal_file(
            actor=request.user,
            scope=scope,
            request_id=review_id,
            statement=request.POST.get("statement", "")[:4000],
        )
        messages.success(request, _("Appeal filed."))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    if scope.role == Role.PARTICIPANT:
        return redirect("portal:home")
    return redirect("reviews:detail", review_id)


# --- officer (console) ----------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, *STAFF_CASE_ROLES)
    return render(
        request,
        "reviews/queue.html",
        {
            "requests": selectors.review_queue(scope=scope),
            "appeals": selectors.appeal_queue(scope=scope),
        },
    )


@login_required
def detail(request: HttpRequest, review_id: int) -> HttpResponse:
    scope = _scope(request, *STAFF_CASE_ROLES)
    try:
        review = selectors.review_read(scope=scope, actor=request.user, request_id=review_id)
    except NotFound:
        raise Http404 from None
    steps = []
    current = review.current_technology
    while (current := next_step_down(current) or "") != "":
        steps.append((current, technology_name(current)))
    return render(
        request,
        "reviews/detail.html",
        {
            "review": review,
            "appeal": selectors.review_appeal_of(review),
            "reasons": DecisionReason.choices,
            "steps": steps,
            "technology_names": {code: technology_name(code) for code in TECHNOLOGY_NAMES},
            "can_decide_appeal": scope.role in (Role.SUPERVISOR, Role.ADMIN),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, review_id: int) -> HttpResponse:
    scope = _scope(request, *STAFF_CASE_ROLES)
    post = request.POST
    try:
        services.review_decide(
            actor=request.user,
            scope=scope,
            request_id=review_id,
            approve=post.get("decision") == "approve",
            reason=post.get("reason", ""),
            text=post.get("text", ""),
            to_technology=post.get("to_technology", ""),
        )
        messages.success(request, "Decision recorded; the participant gets the letter.")
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    return redirect("reviews:detail", review_id)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    scope = _scope(request, Role.SUPERVISOR, Role.ADMIN)
    post = request.POST
    try:
        appeal_row = services.appeal_decide(
            actor=request.user,
            scope=scope,
            appeal_id=appeal_id,
            overturn=post.get("decision") == "overturn",
            reason=post.get("reason", ""),
            text=post.get("text", ""),
        )
        messages.success(request, "Appeal decided.")
        return redirect("reviews:detail", appeal_row.request_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        _error(request, exc)
    except DomainError as exc:
        _error(request, exc)
    return redirect("reviews:queue")


@login_required
@require_POST
def officer_request(request: HttpRequest, participant_id: int) -> HttpResponse:
    """A request received on paper or by phone, entered by the officer."""
    scope = _scope(request, *STAFF_CASE_ROLES)
    try:
        review = services.review_request_submit(
            actor=request.user,
            scope=scope,
            participant_id=participant_id,
            statement=request.POST.get("statement", ""),
        )
        return redirect("reviews:detail", review.pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    return redirect("console:participant_detail", participant_id)


def panel_context(request: Any, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    if scope.role not in STAFF_CASE_ROLES:
        return None
    return {
        "reviews": selectors.reviews_for_participant(scope=scope, participant_id=participant_id)
    }
