"""Activates the signed-in staff member's time zone for the request (templates' |date and
localtime() then follow it): their chosen zone, else their office's, else UTC."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from atd.alerts.selectors import viewer_zone_name
from atd.core.roles import STAFF_ROLES
from atd.core.timezones import zone_or_none


class ViewerTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "role", None) in STAFF_ROLES
            and not request.path.startswith(("/static/", "/api/"))
        ):
            zone = zone_or_none(viewer_zone_name(user))
            if zone is not None:
                timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
