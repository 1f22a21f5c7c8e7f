"""Console pages of court: the participant-page panel and the small forms it posts to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_POST

from atd.core import clock
from atd.core.errors import DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from atd.core.scope import STAFF_CASE_ROLES, Scope, scope_for
from atd.core.timezones import zone_or_none
from atd.court import departure, rules, selectors, services
from atd.court.choices import (
    DepartureVerification,
    HearingOutcome,
    HearingType,
    LegalStatus,
    NoticeKind,
    ServiceMethod,
    TravelDocumentStatus,
)
from atd.people.selectors import case_get_in_scope, case_office_timezones


def panel_context(request: Any, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    """The court section of the officer's participant page (audited by the selector)."""
    if scope.role not in STAFF_CASE_ROLES:
        return None
    try:
        record = selectors.court_record_read(
            scope=scope, actor=request.user, participant_id=participant_id
        )
    except NotFound:
        return None
    zones = selectors.hearing_court_zones(record.hearings)
    return {
        "record": record,
        "hearings": [(h, zones[h.pk]) for h in record.hearings],
        "next_zone": zones.get(record.next_hearing.pk) if record.next_hearing else None,
        "now": clock.now(),
        "notice_kinds": NoticeKind.choices,
        "service_methods": ServiceMethod.choices,
        "hearing_types": HearingType.choices,
        "outcomes": HearingOutcome.choices,
        "legal_statuses": LegalStatus.choices,
        "today": timezone.localdate(clock.now()),
        "departures": list(
            departure.departure_queryset_in_scope(scope)
            .filter(participant_id=participant_id)
            .order_by("-opened_at")
        ),
        "travel_statuses": TravelDocumentStatus.choices,
        "verification_methods": DepartureVerification.choices,
    }


def _date(value: str | None, field: str) -> date:
    parsed = parse_date(value or "")
    if parsed is None:
        raise ValidationFailed(errors=[FieldError(field, "a date (YYYY-MM-DD) is required")])
    return parsed


def _optional_date(value: str | None) -> date | None:
    return parse_date(value) if value else None


def _moment(value: str | None, field: str, zone: str = "") -> datetime:
    """A typed date and time; without an offset it is read in `zone` (a hearing: the court's,
    i.e. the case office's) or else the viewer's zone."""
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise ValidationFailed(errors=[FieldError(field, "a date and time is required")])
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, zone_or_none(zone))
    return parsed


def _court_zone(case_id: int | None) -> str:
    """Hearings are stated in their court's time: the case office's zone (see court.demo)."""
    if case_id is None:
        return "UTC"
    return case_office_timezones([case_id]).get(case_id) or "UTC"


def _zone_or(text: str, fallback: str) -> str:
    """The court's own zone when the form names a known one, else the office's."""
    zone = (text or "").strip()[:64]
    return zone if zone and rules.zone_known(zone) else fallback


def _act(
    request: HttpRequest,
    participant_of: Callable[[Scope], int],
    action: Callable[[Scope], Any],
    done: str,
) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    try:
        participant_id = participant_of(scope)
        action(scope)
        messages.success(request, done)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        detail = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or str(exc)
        messages.error(request, f"Not saved: {detail}")
    return redirect("console:participant_detail", participant_id)


@login_required
@require_POST
def notice_issue(request: HttpRequest, case_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda s: case_get_in_scope(scope=s, case_id=case_id).participant_id,
        lambda s: services.notice_issue(
            actor=request.user,
            scope=s,
            case_id=case_id,
            kind=post.get("kind", ""),
            issued_on=_date(post.get("issued_on"), "issued_on"),
            report_by=_optional_date(post.get("report_by")),
            served_on=_optional_date(post.get("served_on")),
            service_method=post.get("service_method", ""),
        ),
        "Notice recorded.",
    )


@login_required
@require_POST
def notice_serve(request: HttpRequest, notice_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda s: selectors.notice_get(scope=s, notice_id=notice_id).participant_id,
        lambda s: services.notice_serve(
            actor=request.user,
            scope=s,
            notice_id=notice_id,
            served_on=_date(post.get("served_on"), "served_on"),
            service_method=post.get("service_method", ""),
        ),
        "Service recorded.",
    )


@login_required
@require_POST
def notice_report(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _act(
        request,
        lambda s: selectors.notice_get(scope=s, notice_id=notice_id).participant_id,
        lambda s: services.notice_report_record(
            actor=request.user,
            scope=s,
            notice_id=notice_id,
            reported_on=_date(request.POST.get("reported_on"), "reported_on"),
        ),
        "Report recorded.",
    )


@login_required
@require_POST
def hearing_schedule(request: HttpRequest, case_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda s: case_get_in_scope(scope=s, case_id=case_id).participant_id,
        lambda s: services.hearing_schedule(
            actor=request.user,
            scope=s,
            case_id=case_id,
            scheduled_at=_moment(
                post.get("scheduled_at"),
                "scheduled_at",
                _zone_or(post.get("court_timezone", ""), _court_zone(case_id)),
            ),
            court_name=post.get("court_name", ""),
            hearing_type=post.get("hearing_type", ""),
            court_address=post.get("court_address", ""),
            court_timezone=post.get("court_timezone", ""),
        ),
        "Hearing scheduled; the participant is told.",
    )


@login_required
@require_POST
def hearing_reschedule(request: HttpRequest, hearing_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda s: selectors.hearing_get(scope=s, hearing_id=hearing_id).participant_id,
        lambda s: services.hearing_reschedule(
            actor=request.user,
            scope=s,
            hearing_id=hearing_id,
            scheduled_at=_moment(
                post.get("scheduled_at"),
                "scheduled_at",
                _court_zone(selectors.hearing_get(scope=s, hearing_id=hearing_id).case_id),
            ),
            court_name=post.get("court_name", ""),
            court_address=post.get("court_address", ""),
            reason=post.get("reason", ""),
        ),
        "Hearing moved; the participant is told.",
    )


@login_required
@require_POST
def hearing_outcome(request: HttpRequest, hearing_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda s: selectors.hearing_get(scope=s, hearing_id=hearing_id).participant_id,
        lambda s: services.hearing_outcome_record(
            actor=request.user,
            scope=s,
            hearing_id=hearing_id,
            outcome=post.get("outcome", ""),
            note=post.get("note", ""),
            legal_status=post.get("legal_status", ""),
        ),
        "Outcome recorded.",
    )


@login_required
@require_POST
def legal_status(request: HttpRequest, participant_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda s: participant_id,
        lambda s: services.legal_status_record(
            actor=request.user,
            scope=s,
            participant_id=participant_id,
            status=post.get("status", ""),
            effective_on=_date(post.get("effective_on"), "effective_on"),
            note=post.get("note", ""),
        ),
        "Legal status recorded.",
    )


@login_required
@require_POST
def departure_open(request: HttpRequest, case_id: int) -> HttpResponse:
    return _act(
        request,
        lambda s: case_get_in_scope(scope=s, case_id=case_id).participant_id,
        lambda s: departure.departure_open(
            actor=request.user, scope=s, case_id=case_id, note=request.POST.get("note", "")
        ),
        "Departure case opened.",
    )


def _departure_participant(scope: Scope, departure_id: int) -> int:
    row = departure.departure_queryset_in_scope(scope).filter(pk=departure_id).first()
    if row is None:
        raise NotFound()
    return row.participant_id


@login_required
@require_POST
def departure_update(request: HttpRequest, departure_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        lambda s: _departure_participant(s, departure_id),
        lambda s: departure.departure_update(
            actor=request.user,
            scope=s,
            departure_id=departure_id,
            travel_document_status=post.get("travel_document_status", ""),
            requested_on=_optional_date(post.get("requested_on")),
            issued_on=_optional_date(post.get("issued_on")),
            planned_departure_on=_optional_date(post.get("planned_departure_on")),
            note=post.get("note", ""),
        ),
        "Departure case updated.",
    )


@login_required
@require_POST
def departure_confirm(request: HttpRequest, departure_id: int) -> HttpResponse:
    return _act(
        request,
        lambda s: _departure_participant(s, departure_id),
        lambda s: departure.departure_confirm(
            actor=request.user,
            scope=s,
            departure_id=departure_id,
            departed_on=_date(request.POST.get("departed_on"), "departed_on"),
            verification_method=request.POST.get("verification_method", "")[:32],
            verification_note=request.POST.get("verification_note", "")[:500],
        ),
        "Departure confirmed; the case is closed.",
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    from atd.core.audit import audit_record

    scope = scope_for(request, STAFF_CASE_ROLES)
    data = selectors.court_overview(scope=scope, now=clock.now())
    shown = {
        row.participant_id
        for rows in (
            data.hearings_ahead,
            data.hearings_without_outcome,
            data.reports_overdue,
            data.notices_unserved,
        )
        for row in rows
    }
    audit_record(
        actor=request.user,
        action="court.overview",
        object_type="participant",
        object_ids=sorted(shown),
    )
    zones = selectors.hearing_court_zones(data.hearings_ahead + data.hearings_without_outcome)
    return render(
        request,
        "court/overview.html",
        {
            "o": data,
            "hearings_ahead": [(h, zones[h.pk]) for h in data.hearings_ahead],
            "hearings_without_outcome": [(h, zones[h.pk]) for h in data.hearings_without_outcome],
        },
    )
