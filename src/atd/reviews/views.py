"""Pages of reviews: the participant's request (four kinds), status and decision letter
(portal side) and the officer's queue, pre-filled decision page, appeal decisions and the
dashboard card of overdue requests (console side)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import DomainError, Forbidden, NotFound
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope, scope_for
from atd.people.selectors import participant_get_in_scope
from atd.reviews import rules, selectors, services
from atd.reviews.choices import DecisionReason, RequestKind
from atd.reviews.letters import TECHNOLOGY_NAMES, cadence_name, technology_name
from atd.reviews.pdf import letter_pdf as render_letter_pdf
from atd.supervision import selectors as supervision_selectors


def _error(request: HttpRequest, exc: DomainError) -> None:
    detail = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or str(exc)
    messages.error(request, detail)


# --- participant (portal) -------------------------------------------------------------------


def portal_section_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    if scope.role != Role.PARTICIPANT or not scope.participant_id:
        return None
    now = clock.now()
    reviews = selectors.reviews_for_participant(scope=scope, participant_id=scope.participant_id)
    return {
        # The appeal form is offered exactly when the service would accept the appeal.
        "rows": [
            (
                r,
                rules.appeal_can_file(
                    status=r.status,
                    appeal_until=r.appeal_until,
                    has_appeal=hasattr(r, "appeal"),
                    now=now,
                ),
            )
            for r in reviews
        ],
    }


def _int_or_none(value: str) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= rules.MAX_CADENCE_DAYS else None


def _portal_options(participant_id: int) -> dict[str, Any]:
    """What this participant can ask for, from their current plan."""
    plan = supervision_selectors.plan_current(participant_id)
    technology = plan.technology if plan else ""
    cadence = plan.cadence_days if plan else 0
    return {
        "kinds": RequestKind.choices,
        "technology": technology_name(technology) if technology else "",
        "lower": [(t, technology_name(t)) for t in rules.lower_technologies(technology)],
        "cadence": cadence_name(cadence) if cadence else "",
        "cadences": [
            (weeks * 7, cadence_name(weeks * 7))
            for weeks in rules.CADENCE_CHOICES_WEEKS
            if weeks * 7 > cadence
        ],
        "electronic": technology in rules.ELECTRONIC,
        "decision_days": int(getattr(settings, "ATD_REVIEW_DECISION_DAYS", 14)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def portal_request(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, Role.PARTICIPANT)
    participant_id = scope.participant_id or -1
    chosen = request.GET.get("kind", "")
    if request.method == "POST":
        post = request.POST
        kind = post.get("kind", "")[:32]
        chosen = kind
        try:
            services.review_request_submit(
                actor=request.user,
                scope=scope,
                participant_id=participant_id,
                statement=post.get("statement", "")[:4000],
                kind=kind,
                to_technology=post.get("to_technology", "")[:32]
                if kind == RequestKind.STEP_DOWN
                else "",
                to_cadence_days=_int_or_none(post.get("to_cadence_days", ""))
                if kind == RequestKind.LOWER_CADENCE
                else None,
                acknowledged=post.get("acknowledged") == "yes",
            )
            messages.success(
                request, _("Your request was received. You will get a decision in writing.")
            )
            return redirect("portal:home")
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _error(request, exc)
    context = _portal_options(participant_id)
    context["chosen"] = chosen if chosen in RequestKind.values else RequestKind.STEP_DOWN
    return render(request, "reviews/portal_request.html", context)


def _letter_context(request: HttpRequest, review_id: int) -> tuple[Any, Any]:
    """The letter of a decided review, in the participant's language (staff may pick one)."""
    scope = scope_for(request, (*STAFF_CASE_ROLES, Role.PARTICIPANT))
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
    scope = scope_for(request, (*STAFF_CASE_ROLES, Role.PARTICIPANT))
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
    scope = scope_for(request, STAFF_CASE_ROLES)
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
    scope = scope_for(request, STAFF_CASE_ROLES)
    try:
        review = selectors.review_read(scope=scope, actor=request.user, request_id=review_id)
    except NotFound:
        raise Http404 from None
    appeal_row = selectors.review_appeal_of(review)
    if review.kind == RequestKind.END_MONITORING:
        targets = list(rules.REPORTING_ONLY)
    else:
        targets = list(rules.lower_technologies(review.current_technology))
    cadences = [
        weeks * 7
        for weeks in rules.CADENCE_CHOICES_WEEKS
        if weeks * 7 > (review.current_cadence_days or 0)
    ]
    if review.to_cadence_days and review.to_cadence_days not in cadences:
        cadences.append(review.to_cadence_days)
    advice = review.recommendation or {}
    # The reasons in words, pre-filled as the explanation the participant reads (editable).
    prefill = "; ".join(str(r) for r in advice.get("reasons", []))
    decider_problem = rules.appeal_decider_problem(
        role=scope.role, viewer_id=request.user.pk, decided_by_id=review.decided_by_id
    )
    return render(
        request,
        "reviews/detail.html",
        {
            "review": review,
            "appeal": appeal_row,
            "reasons": DecisionReason.choices,
            "steps": [(t, technology_name(t)) for t in targets],
            "cadences": [(d, cadence_name(d)) for d in sorted(cadences)],
            "checks": advice.get("checks", []),
            "summary": advice.get("summary")
            or ("Eligible" if advice.get("eligible") else "Not eligible yet"),
            "prefill": prefill,
            "technology_names": {code: technology_name(code) for code in TECHNOLOGY_NAMES},
            "can_file_appeal": rules.appeal_can_file(
                status=review.status,
                appeal_until=review.appeal_until,
                has_appeal=appeal_row is not None,
                now=clock.now(),
            ),
            # The one who decided the request never decides its appeal (the service refuses
            # it by the same rule): the form is not offered to them; the page says why.
            "can_decide_appeal": decider_problem is None,
            "decided_by_viewer": review.decided_by_id is not None
            and review.decided_by_id == request.user.pk,
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, review_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    post = request.POST
    try:
        services.review_decide(
            actor=request.user,
            scope=scope,
            request_id=review_id,
            approve=post.get("decision") == "approve",
            reason=post.get("reason", ""),
            text=post.get("text", "")[:4000],
            to_technology=post.get("to_technology", "")[:32],
            to_cadence_days=_int_or_none(post.get("to_cadence_days", "")),
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
    scope = scope_for(request, (Role.SUPERVISOR, Role.ADMIN))
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
    scope = scope_for(request, STAFF_CASE_ROLES)
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


def overdue_card_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    """The dashboard's overdue reviews and appeals (past their deadline, undecided), scoped
    to the caller; the names shown are an audited read."""
    if scope.role not in STAFF_CASE_ROLES:
        return None
    now = clock.now()
    rows = selectors.reviews_overdue(scope=scope, now=now)
    appeals = selectors.appeals_overdue(scope=scope, now=now)
    shown = sorted({r.participant_id for r in rows} | {a.request.participant_id for a in appeals})
    if shown:
        audit_record(
            actor=request.user,
            action="review.list",
            object_type="participant",
            object_ids=shown,
            reason="dashboard: overdue reviews",
        )
    return {
        "rows": [(r, rules.days_overdue(r.due_at, now)) for r in rows],
        "appeals": [(a, rules.days_overdue(a.due_at, now)) for a in appeals],
        "decision_days": int(getattr(settings, "ATD_REVIEW_DECISION_DAYS", 14)),
    }
