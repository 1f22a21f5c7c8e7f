"""Participant portal pages: a participant only ever sees their own record.

Pages render in the participant's preferred language unless they chose another one with the
switcher (a cookie), so a shared phone can be switched without changing the record.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from atd.checkins.selectors import checkin_receipts_for_participant, window_next_for_participant
from atd.core import clock
from atd.core.errors import DomainError
from atd.core.extensions import ordered, portal_sections
from atd.core.languages import language_supported
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people import selectors, services

STATIC = Path(__file__).resolve().parent / "static" / "portal"


def _office_timezone(participant_id: int) -> str:
    route = selectors.case_routing_for_participants([participant_id]).get(participant_id)
    if route is not None:
        for office in selectors.office_list().filter(pk=route.office_id):
            return office.timezone
    return settings.TIME_ZONE


def participant_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in participants only (staff go to the console); shows their office's clock.

    Their language is already active: `ParticipantLanguageMiddleware` sets it on every request."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scope = Scope.for_user(request.user)
        if scope.role != Role.PARTICIPANT:
            return redirect("console:home")
        me = selectors.participant_get_in_scope(
            scope=scope, participant_id=scope.participant_id or -1
        )
        # Windows open and close at local midnight of the participant's office: show its clock.
        timezone.activate(ZoneInfo(_office_timezone(me.pk)))
        return view(request, scope, *args, **kwargs)

    return wrapper


@participant_page
def home(request: HttpRequest, scope: Scope) -> HttpResponse:
    participant = selectors.participant_detail_read(
        scope=scope,
        actor=request.user,
        participant_id=scope.participant_id or -1,
        reason="portal home",
    )
    sections = []
    for section in ordered(portal_sections):
        context = section.context(request, scope)
        if context is not None:
            sections.append((section.template, context))
    return render(
        request,
        "portal/home.html",
        {
            "p": participant,
            "cases": list(participant.cases.all()),
            "sections": sections,
            "next_window": window_next_for_participant(
                participant_id=participant.pk, now=clock.now()
            ),
            "receipts": checkin_receipts_for_participant(scope=scope, limit=5),
            "queue": _client_config(),
            "text": _client_text(),
        },
    )


def _client_config() -> dict[str, str]:
    return {
        "endpoint": "/api/checkins/remote",
        "attempt_endpoint": "/api/checkins/attempts",
        "sw": reverse("portal:service_worker"),
        "sw_scope": reverse("portal:home"),
    }


def _client_text() -> dict[str, str]:
    """The check-in script's messages, already translated (no JavaScript catalogue needed)."""
    return {
        "locating": _("Getting your location…"),
        "sending": _("Sending your check-in…"),
        "no_location": _(
            "This device could not give your location (a computer often cannot). Your "
            "check-in will be sent and marked location not verified; your officer will "
            "follow up."
        ),
        "offline": _(
            "No connection. Your check-in is saved on this phone and will be sent "
            "automatically when you are back online."
        ),
        "server_error": _(
            "The server had a problem. Your check-in is saved and will be sent again; "
            "the attempt is on record."
        ),
        "sign_in_again": _("Please sign in again to send your saved check-in."),
        "rejected": _("Your check-in was not accepted:"),
        "sent": _("Check-in sent."),
        "received": _("Check-in received."),
        "attempt_recorded": _("Your attempt to check in is on record."),
        "receipt": _("Receipt code:"),
        "location_verified": _("Location verified."),
        "location_unverified": _("Location not verified: your officer will follow up."),
        # What to do, said plainly (a laptop without a location fix is the usual case).
        "location_what_to_do": _(
            "Next time, check in from your phone: switch location on, open this page, and "
            "choose Allow when it asks for your location."
        ),
        "phone_refused": _(
            "Your new phone number was not saved: please check it and send it again, "
            "or tell your officer."
        ),
        "pending": _("%(n)s check-in(s) waiting to be sent."),
    }


@participant_page
@ensure_csrf_cookie
def checkin(request: HttpRequest, scope: Scope) -> HttpResponse:
    return render(
        request,
        "portal/checkin.html",
        {
            "next_window": window_next_for_participant(
                participant_id=scope.participant_id or -1, now=clock.now()
            ),
            "queue": _client_config(),
            "text": _client_text(),
        },
    )


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switches the portal language for this browser (a cookie), then goes back."""
    code = request.POST.get("language", "")
    target = request.POST.get("next", "") or reverse("portal:home")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("portal:home")
    response = redirect(target)
    if language_supported(code):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: installable, standalone, scoped to the portal."""
    body = {
        "name": "atd check-in",
        "short_name": "atd",
        "description": "Check in, see your next check-in window, appointments and hearings.",
        "start_url": reverse("portal:home"),
        "scope": reverse("portal:home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#12263f",
        "icons": [
            {"src": "/static/portal/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/portal/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/portal/icon-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json")


def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /portal/ (not /static/) so its scope covers the portal pages."""
    response = HttpResponse(
        (STATIC / "sw.js").read_text(encoding="utf-8"), content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = reverse("portal:home")
    response["Cache-Control"] = "no-cache"
    return response


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
