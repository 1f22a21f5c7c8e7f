"""allauth and axes hooks: no self sign-up, every login attempt audited, a clear lockout page."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atd.core.actors import Actor
from atd.core.audit import audit_record


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff accounts are created by an admin; participant accounts at enrollment.
        return False


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """allauth authenticates with credentials {"username": ...}; its form field is "login"."""
    if credentials:
        value = credentials.get("username") or credentials.get("login")
        if value:
            return str(value)
    return (
        request.POST.get("login") or request.POST.get("username") if request is not None else None
    )


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return render(request, "core/locked_out.html", status=429)


@receiver(user_logged_in)
def _audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.login", object_type="user", object_ids=[user.pk])


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The attempted username is not personal data of a participant; it is kept as the label.
    label = str(credentials.get("username") or credentials.get("login") or "")[:150]
    audit_record(
        actor=Actor(id=None, label=label or "unknown", role="anonymous"),
        action="auth.login_failed",
        object_type="user",
        outcome="denied",
    )
