"""Scheduling pages: the backlog report, an office's capacity calendar, the planner, and the
appointment forms officers and participants post to. Thin adapters over selectors/services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atd.core.errors import DomainError, Forbidden, NotFound
from atd.core.params import int_or
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope, scope_for
from atd.scheduling import charts, planner, selectors, services

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
T = TypeVar("T")


def _domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Out of scope -> 404, forbidden -> 403; other domain errors are shown to the user."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden:
            raise PermissionDenied from None

    return wrapper


def _fail(request: HttpRequest, exc: DomainError, to: str) -> HttpResponse:
    detail = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or str(exc)
    messages.error(request, detail)
    return redirect(to)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _day_required(request: HttpRequest) -> date:
    """The form's `day`; missing or not a date is a refusal the form shows."""
    day = _date(request.POST.get("day"))
    if day is None:
        raise DomainError(detail=_("choose a day"))
    return day


def _attempt(
    request: HttpRequest,
    back: str,
    action: Callable[[], T],
    done: Callable[[T], str] | None = None,
) -> HttpResponse:
    """A form post's service call: out of scope or forbidden goes on to `_domain_errors` (404,
    403); any other refusal is shown as a message; on success `done(result)` is. Back to
    `back` either way."""
    try:
        result = action()
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        return _fail(request, exc, back)
    if done is not None:
        messages.success(request, done(result))
    return redirect(back)


# --- backlog, office, planner ----------------------------------------------------------------


@login_required
def backlog(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, selectors.OFFICE_READ_ROLES)
    rows = selectors.backlog_report(scope)
    chart = charts.horizontal_bar_chart(
        [
            charts.Bar(
                label=row.office.code,
                value=row.horizon.backlog_days,
                note=f"to {row.horizon.last_booked}" if row.horizon.last_booked else "",
                highlight=row.horizon.backlog_days > 365,
            )
            for row in rows[:30]
        ],
        title="Days of in-person backlog per office",
        unit="days",
    )
    return render(
        request,
        "scheduling/backlog.html",
        {"rows": rows, "chart": mark_safe(chart)},  # noqa: S308
    )


@login_required
@_domain_errors
def office_detail(request: HttpRequest, office_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.OFFICE_READ_ROLES)
    office = selectors.office_get_in_scope(scope=scope, office_id=office_id)
    today = selectors.office_today(office)
    horizon = selectors.backlog_report(scope, office_id=office.pk)[0].horizon
    late, late_total = selectors.late_appointments_read(
        scope=scope, actor=request.user, office_id=office.pk, limit=100
    )
    spec = selectors.capacity_spec(office.pk)
    return render(
        request,
        "scheduling/office.html",
        {
            "office": office,
            "today": today,
            "horizon": horizon,
            "spec": spec,
            "weekdays": [(i, WEEKDAYS[i], i in spec.open_weekdays) for i in range(7)],
            "holidays": selectors.holidays_upcoming(office.pk, today),
            "staffing": selectors.staffing_upcoming(office.pk, today),
            "free_days": selectors.day_options(office, start=today, count=10),
            "late": late,
            "late_total": late_total,
            "can_edit": scope.role in selectors.OFFICE_WRITE_ROLES,
        },
    )


@login_required
@_domain_errors
def office_planner(request: HttpRequest, office_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.OFFICE_READ_ROLES)
    min_days = max(int_or(request.GET.get("min_days"), 180), 0)
    view = planner.planner_read(
        scope=scope, actor=request.user, office_id=office_id, min_days=min_days
    )
    chart = charts.horizontal_bar_chart(
        [
            charts.Bar(
                label=("nobody moves" if row.min_days is None else f"compliant ≥ {row.min_days} d"),
                value=row.horizon_days,
                note=(f"to {row.last_day}" if row.last_day else "nothing booked")
                + (f", {row.moved} move" if row.moved else ""),
                highlight=row.min_days == view.chosen,
            )
            for row in view.rows
        ],
        title=f"Backlog horizon of {view.office.code} if compliant people check in remotely",
        unit="days",
    )
    return render(
        request,
        "scheduling/planner.html",
        {"view": view, "chart": mark_safe(chart)},  # noqa: S308
    )


def _office_redirect(office_id: int) -> str:
    return reverse("scheduling:office", args=[office_id])


@login_required
@require_POST
@_domain_errors
def office_capacity(request: HttpRequest, office_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.OFFICE_WRITE_ROLES)
    try:
        start = time.fromisoformat(request.POST.get("day_start") or "08:30")
    except ValueError:
        start = time(8, 30)
    return _attempt(
        request,
        _office_redirect(office_id),
        lambda: services.capacity_set(
            actor=request.user,
            scope=scope,
            office_id=office_id,
            slots_per_staff_day=int_or(request.POST.get("slots_per_staff_day"), -1),
            staff_on_duty=int_or(request.POST.get("staff_on_duty"), -1),
            open_weekdays=[int_or(d, -1) for d in request.POST.getlist("open_weekdays")],
            slot_minutes=int_or(request.POST.get("slot_minutes"), 30),
            day_start=start,
        ),
        lambda _result: "Capacity saved.",
    )


@login_required
@require_POST
@_domain_errors
def office_holiday(request: HttpRequest, office_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.OFFICE_WRITE_ROLES)

    def change() -> None:
        day = _day_required(request)
        if request.POST.get("remove"):
            services.holiday_remove(actor=request.user, scope=scope, office_id=office_id, day=day)
        else:
            services.holiday_set(
                actor=request.user,
                scope=scope,
                office_id=office_id,
                day=day,
                name=request.POST.get("name", "")[:100],
            )

    return _attempt(request, _office_redirect(office_id), change)


@login_required
@require_POST
@_domain_errors
def office_staffing(request: HttpRequest, office_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.OFFICE_WRITE_ROLES)
    return _attempt(
        request,
        _office_redirect(office_id),
        lambda: services.staffing_set(
            actor=request.user,
            scope=scope,
            office_id=office_id,
            day=_day_required(request),
            staff_on_duty=int_or(request.POST.get("staff_on_duty"), -1),
            note=request.POST.get("note", "")[:200],
        ),
    )


@login_required
@require_POST
@_domain_errors
def office_schedule(request: HttpRequest, office_id: int) -> HttpResponse:
    scope = scope_for(request, selectors.OFFICE_WRITE_ROLES)
    selectors.office_get_in_scope(scope=scope, office_id=office_id)
    run = services.appointments_schedule_office(actor=request.user, office_id=office_id)
    messages.success(
        request,
        f"Scheduler booked {run.booked} appointments ({run.late} after their deadline, "
        f"{run.unplaced} beyond the calendar; {run.already_booked} were already booked).",
    )
    return redirect(_office_redirect(office_id))


# --- appointments ----------------------------------------------------------------------------


@login_required
@_domain_errors
def participant_appointments(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    items = selectors.appointment_list_read(
        scope=scope, actor=request.user, participant_id=participant_id
    )
    return render(
        request,
        "scheduling/participant.html",
        {
            "participant_id": participant_id,
            "items": items,
            "here": request.get_full_path(),
            "is_upcoming": {a.pk: selectors.appointment_is_upcoming(a) for a in items},
        },
    )


@login_required
@require_POST
@_domain_errors
def participant_book(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    back = reverse("scheduling:participant", args=[participant_id])
    return _attempt(
        request,
        back,
        lambda: services.appointment_book(
            actor=request.user,
            scope=scope,
            participant_id=participant_id,
            day=_day_required(request),
            reason=request.POST.get("reason", "")[:300],
        ),
        lambda booked: f"Appointment booked on {booked.day}.",
    )


def _back(request: HttpRequest, scope: Scope, participant_id: int) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    if scope.role == Role.PARTICIPANT:
        return reverse("portal:home")
    return reverse("scheduling:participant", args=[participant_id])


def _appointment_form(request: HttpRequest, appointment_id: int) -> tuple[Scope, str]:
    """The caller's scope for a change to one appointment (its officer or the participant),
    and where the form goes back to; out of scope is NotFound."""
    scope = scope_for(request, (*STAFF_CASE_ROLES, Role.PARTICIPANT))
    appointment = selectors.appointment_get_in_scope(scope=scope, appointment_id=appointment_id)
    return scope, _back(request, scope, appointment.participant_id)


@login_required
@require_POST
@_domain_errors
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    scope, back = _appointment_form(request, appointment_id)
    return _attempt(
        request,
        back,
        lambda: services.appointment_reschedule(
            actor=request.user,
            scope=scope,
            appointment_id=appointment_id,
            day=_day_required(request),
            reason=request.POST.get("reason", "")[:300],
        ),
        lambda moved: _("Appointment moved to %(day)s.") % {"day": moved.day},
    )


@login_required
@require_POST
@_domain_errors
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    scope, back = _appointment_form(request, appointment_id)
    return _attempt(
        request,
        back,
        lambda: services.appointment_cancel(
            actor=request.user,
            scope=scope,
            appointment_id=appointment_id,
            reason=request.POST.get("reason", "")[:300],
        ),
        lambda _result: _("Appointment cancelled."),
    )
