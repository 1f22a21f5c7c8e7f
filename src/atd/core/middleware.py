"""Request middleware: request id and source IP for the audit log; MFA for staff."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from atd.core import request_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        ip = request.META.get("REMOTE_ADDR", "")
        token = request_context.bind(request_context.RequestContext(request_id, ip))
        try:
            response = self.get_response(request)
        finally:
            request_context.unbind(token)
        response["X-Request-ID"] = request_id
        return response


_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/", "/portal/", "/healthz")


class StaffMfaRequiredMiddleware:
    """A staff user without a second factor may only reach the MFA set-up pages.

    allauth asks for the second factor at login once one is enrolled; this closes the gap of a
    staff account that never enrolled. The API's session auth applies the same rule itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "is_staff_role", False)
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and not staff_has_mfa(user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def staff_has_mfa(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    cached = getattr(user, "_atd_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
        user._atd_has_mfa = cached  # type: ignore[attr-defined]
    return bool(cached)
