"""Console pages of the at-large workflow (issue 19): the participant page's panel (proposals,
referrals and their outcomes, reopening), the locate package (screen and PDF), thin adapters
over console.at_large, console.locate and people's services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from atd.console import at_large
from atd.console.locate import locate_package_read
from atd.console.locate_pdf import locate_package_pdf
from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import DomainError, NotFound
from atd.core.form_actions import form_action, not_found_as_404
from atd.core.params import int_param
from atd.core.roles import Role
from atd.core.scope import Scope, scope_for
from atd.people import selectors, services
from atd.people.types import REFERRAL_OUTCOME_LABELS, REOPEN_REASON_LABELS

CASE_ROLES = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


def panel_context(request: HttpRequest, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    """The participant page's at-large panel; None (hidden) when there is nothing to show or
    do: no proposal, no case at large or closed, no referral."""
    if scope.role not in CASE_ROLES:
        return None
    cases = list(selectors.case_queryset_in_scope(scope).filter(participant_id=participant_id))
    proposals = at_large.proposals_for_participant(scope=scope, participant_id=participant_id)
    referrals = selectors.locate_referrals_for_participant(
        scope=scope, participant_id=participant_id
    )
    at_large_cases = [c for c in cases if c.status == "at_large"]
    closed = [c for c in cases if c.status == "closed"]
    has_open = any(c.status != "closed" for c in cases)
    if not (proposals or referrals or at_large_cases or closed):
        return None
    if proposals or referrals:
        audit_record(
            actor=request.user,
            action="at_large.panel_read",
            object_type="participant",
            object_ids=[participant_id],
            reason=f"{len(proposals)} proposal(s), {len(referrals)} referral(s)",
        )
    return {
        "proposals": proposals,
        "referrals": referrals,
        "at_large_cases": at_large_cases,
        "open_referral_cases": {r.case_id for r in referrals if r.status == "open"},
        "reopenable": [] if has_open else closed,
        "outcomes": list(REFERRAL_OUTCOME_LABELS.items()),
        "outcome_labels": REFERRAL_OUTCOME_LABELS,
        "reopen_reasons": list(REOPEN_REASON_LABELS.items()),
        "min_attempts": at_large.referral_min_attempts(),
        "participant_id": participant_id,
    }


def _back(participant_id: int | None) -> HttpResponse:
    if participant_id is None:
        return redirect("console:participant_list")
    return redirect(reverse("console:participant_detail", args=[participant_id]) + "#at-large")


def _participant_of_case(scope: Scope, case_id: int) -> int:
    return selectors.case_get_in_scope(scope=scope, case_id=case_id).participant_id


@login_required
@require_POST
def proposal_confirm(request: HttpRequest, alert_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    outcome = form_action(
        request,
        lambda: at_large.at_large_confirm(
            actor=request.user,
            scope=scope,
            alert_id=alert_id,
            reason=request.POST.get("reason", ""),
        ),
        done="The case is now at large.",
        refused="Not confirmed",
    )
    if outcome.ok and outcome.value is not None:
        with not_found_as_404():
            return _back(_participant_of_case(scope, outcome.value))
    return _back(int_param(request.POST.get("participant_id")))


@login_required
@require_POST
def proposal_dismiss(request: HttpRequest, alert_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    form_action(
        request,
        lambda: at_large.at_large_dismiss(
            actor=request.user,
            scope=scope,
            alert_id=alert_id,
            reason=request.POST.get("reason", ""),
        ),
        done="Proposal dismissed; the case is unchanged.",
        refused="Not dismissed",
    )
    return _back(int_param(request.POST.get("participant_id")))


@login_required
@require_POST
def referral_open(request: HttpRequest, case_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    with not_found_as_404():
        pid = _participant_of_case(scope, case_id)
    form_action(
        request,
        lambda: services.locate_referral_open(
            actor=request.user,
            scope=scope,
            case_id=case_id,
            taken_by=request.POST.get("taken_by", ""),
            note=request.POST.get("note", ""),
        ),
        done="Referred to the field team.",
        refused="Not referred",
    )
    return _back(pid)


def _referral_participant(scope: Scope, referral_id: int) -> int:
    """The referral's participant; 404 when the referral is not in scope."""
    for r in selectors.locate_referral_get(scope=scope, referral_id=referral_id):
        return int(r.case.participant_id)
    raise Http404


@login_required
@require_POST
def referral_attempt(request: HttpRequest, referral_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    pid = _referral_participant(scope, referral_id)
    form_action(
        request,
        lambda: services.locate_attempt_record(
            actor=request.user,
            scope=scope,
            referral_id=referral_id,
            note=request.POST.get("note", ""),
            place=request.POST.get("place", ""),
        ),
        done="Attempt recorded.",
        refused="Not recorded",
    )
    return _back(pid)


@login_required
@require_POST
def referral_outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    pid = _referral_participant(scope, referral_id)
    form_action(
        request,
        lambda: services.locate_referral_outcome(
            actor=request.user,
            scope=scope,
            referral_id=referral_id,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
            min_attempts=at_large.referral_min_attempts(),
        ),
        done="Outcome recorded.",
        refused="Not recorded",
    )
    return _back(pid)


@login_required
@require_POST
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    scope = scope_for(request, CASE_ROLES)
    with not_found_as_404():
        pid = _participant_of_case(scope, case_id)
    form_action(
        request,
        lambda: services.case_reopen(
            actor=request.user,
            scope=scope,
            case_id=case_id,
            reopen_reason=request.POST.get("reopen_reason", ""),
            note=request.POST.get("note", ""),
        ),
        done="Case reopened.",
        refused="Not reopened",
    )
    return _back(pid)


@login_required
@require_http_methods(["GET", "POST"])
def locate_package(request: HttpRequest, participant_id: int) -> HttpResponse:
    """GET: the form asking why; POST: the package (screen, or PDF with `format=pdf`)."""
    scope = scope_for(request, CASE_ROLES)
    if not selectors.participant_exists_in_scope(scope=scope, participant_id=participant_id):
        raise Http404
    context: dict[str, Any] = {"participant_id": participant_id, "pkg": None, "error": ""}
    if request.method == "POST":
        try:
            pkg = locate_package_read(
                scope=scope,
                actor=request.user,
                participant_id=participant_id,
                reason=request.POST.get("reason", "")[:500],
                now=clock.now(),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            context["error"] = str(exc)
            return render(request, "console/locate_package.html", context, status=400)
        if request.POST.get("format") == "pdf":
            response = HttpResponse(locate_package_pdf(pkg), content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="locate-{pkg.a_number}-{pkg.generated_at:%Y%m%d}.pdf"'
            )
            return response
        context["pkg"] = pkg
    return render(request, "console/locate_package.html", context)
