"""Demo-only page: the demo staff users' current one-time codes (mounted only when ATD_DEMO)."""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from atd.core.scope import STAFF_CASE_ROLES, scope_for
from atd.simulate.outbox import outbox_read


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


@login_required
def demo_outbox(request: HttpRequest) -> HttpResponse:
    """What the demo's local SMS provider and SMTP server received (staff only; demo only)."""
    if not settings.ATD_DEMO:
        raise Http404
    scope_for(request, STAFF_CASE_ROLES)
    return render(
        request,
        "simulate/demo_outbox.html",
        {
            "rows": outbox_read(settings.ATD_DEMO_OUTBOX),
            "configured": bool(settings.ATD_DEMO_OUTBOX),
        },
    )


def demo_codes(request: HttpRequest) -> HttpResponse:
    if not settings.ATD_DEMO:
        raise Http404
    return render(
        request,
        "simulate/demo_codes.html",
        {"rows": demo_totp_codes(), "seconds": 30 - int(time.time()) % 30},
    )
