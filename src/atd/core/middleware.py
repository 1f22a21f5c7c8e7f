"""Request middleware: who is calling (client address through trusted proxies only), the
request ids for the audit log; MFA for staff."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from atd.core import request_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Headers only a proxy may set. From anyone else they are removed before Django (is_secure,
# get_host), axes or a view can read them.
_FORWARDED_META = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


def trusted_networks(values: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(peer: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The caller's address: the TCP peer, unless the peer is a trusted proxy; then the
    X-Forwarded-For chain is walked from the right (the hop the proxy itself added) past
    trusted proxies to the first address that is not one. Everything left of that is the
    client's own claim and is never believed; a malformed hop ends the walk."""
    if not _is_trusted(peer, trusted):
        return peer
    candidate = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            candidate = str(ipaddress.ip_address(hop))
        except ValueError:
            break
        if not _is_trusted(candidate, trusted):
            break
    return candidate


class RequestContextMiddleware:
    """Runs first. Believes forwarded headers only from ATD_TRUSTED_PROXIES (and then sets
    REMOTE_ADDR to the resolved client, so axes and Django see the same address); the server
    always makes its own request id, and an X-Request-ID sent by the caller is kept apart as
    `client_request_id` (audit log), never as the server's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = trusted_networks(settings.ATD_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = str(meta.get("REMOTE_ADDR", ""))
        if _is_trusted(peer, self.trusted):
            ip = client_address(peer, str(meta.get("HTTP_X_FORWARDED_FOR", "")), self.trusted)
            meta["ATD_PROXY_ADDR"] = peer
            meta["REMOTE_ADDR"] = ip
        else:
            ip = peer
            for name in _FORWARDED_META:
                meta.pop(name, None)
        incoming = str(meta.get("HTTP_X_REQUEST_ID", ""))
        client_request_id = incoming if _REQUEST_ID.match(incoming) else ""
        request_id = uuid.uuid4().hex
        token = request_context.bind(
            request_context.RequestContext(request_id, ip, client_request_id)
        )
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
