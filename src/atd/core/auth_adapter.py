"""allauth and axes hooks: no self sign-up, every login attempt audited, a clear lockout page,
and an attack on one account name from many addresses reported instead of locking it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import Signal, receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atd.core import clock
from atd.core.actors import Actor
from atd.core.audit import audit_record
from atd.core.models import AuditEntry

# Lockout counts per (account, address) pair (settings.AXES_LOCKOUT_PARAMETERS), so failures
# from one address never lock the account for its owner elsewhere, nor a whole office behind
# one NAT. Failures for one name from several addresses are an attack on the name: the
# account stays usable from its owner's address and this signal is sent, once per cool-off
# period, with the name, the failure count, the addresses and the period (alerts turns it
# into an alert for admins). Receivers: `username, failures, addresses, period, at`.
account_name_attack = Signal()


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
    if label:
        account_name_attack_check(username=label, now=clock.now())


def account_name_attack_check(*, username: str, now: datetime) -> bool:
    """Counts this cool-off period's failed sign-ins for `username` (from the audit log,
    which records each with its source address) and sends `account_name_attack` when they
    reach ATD_LOCKOUT_NAME_ALERT_FAILURES from at least ATD_LOCKOUT_NAME_ALERT_ADDRESSES
    addresses. The period is a fixed bucket of the cool-off length, so the alert's source
    reference is the same for every failure of one attack (raising it again is a no-op)."""
    cooloff = settings.AXES_COOLOFF_TIME
    seconds = int(cooloff.total_seconds())
    period = int(now.timestamp()) // seconds
    failures = AuditEntry.objects.filter(
        action="auth.login_failed", actor_label=username, at__gte=now - cooloff
    )
    count = failures.count()
    if count < settings.ATD_LOCKOUT_NAME_ALERT_FAILURES:
        return False
    addresses = sorted(
        {ip for ip in failures.values_list("source_ip", flat=True).distinct()[:100] if ip}
    )
    if len(addresses) < settings.ATD_LOCKOUT_NAME_ALERT_ADDRESSES:
        return False
    account_name_attack.send(
        sender=None,
        username=username,
        failures=count,
        addresses=addresses,
        period=period,
        at=now,
    )
    return True
