"""Demo-only page: the demo staff users' current one-time codes (mounted only when ATD_DEMO)."""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def demo_totp_codes() -> list[tuple[str, str, str]]:
    counter = int(time.time()) // 30
    rows = []
    for auth in (
        Authenticator.objects.filter(type=Authenticator.Type.TOTP)
        .select_related("user")
        .order_by("user__username")
    ):
        secret = decrypt(auth.data["secret"])
        rows.append(
            (
                auth.user.username,
                auth.user.get_role_display(),
                format_hotp_value(hotp_value(secret, counter)),
            )
        )
    return rows


def demo_codes(request: HttpRequest) -> HttpResponse:
    if not settings.ATD_DEMO:
        raise Http404
    return render(
        request,
        "simulate/demo_codes.html",
        {"rows": demo_totp_codes(), "seconds": 30 - int(time.time()) % 30},
    )
