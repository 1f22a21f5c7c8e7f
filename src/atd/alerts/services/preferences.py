"""Officer alert preferences (on-call hours, severities that page them, channels) and the
office on-call list."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from atd.alerts.models import OfficerAlertPreference, OnCallEntry
from atd.alerts.rules import SEVERITY_ORDER, OnCallHours
from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import FieldError, NotFound, ValidationFailed
from atd.core.roles import STAFF_ROLES, Role
from atd.core.scope import Scope
from atd.people.selectors import office_list

PAGING_CHANNELS = ("in_app", "email", "sms")


def hours_of(pref: OfficerAlertPreference) -> OnCallHours:
    return OnCallHours(
        weekdays=tuple(pref.on_call_weekdays or ()),
        start=pref.on_call_start,
        end=pref.on_call_end,
        timezone=pref.timezone or "UTC",
    )


@transaction.atomic
def officer_preference_set(
    *,
    actor: Any,
    user_id: int,
    on_call_weekdays: list[int],
    on_call_start: time | None,
    on_call_end: time | None,
    timezone: str,
    page_severities: list[str],
    channels: list[str],
    phone: str = "",
) -> OfficerAlertPreference:
    """A staff user sets their own preferences (the API passes the caller's id)."""
    errors = []
    if any(d not in range(7) for d in on_call_weekdays):
        errors.append(FieldError("on_call_weekdays", "days are 0 (Monday) to 6 (Sunday)"))
    if (on_call_start is None) != (on_call_end is None):
        errors.append(FieldError("on_call_end", "give both start and end, or neither"))
    try:
        ZoneInfo(timezone)
    except (KeyError, ValueError):
        errors.append(FieldError("timezone", "unknown time zone"))
    if any(s not in SEVERITY_ORDER for s in page_severities):
        errors.append(FieldError("page_severities", f"choose from {', '.join(SEVERITY_ORDER)}"))
    if any(c not in PAGING_CHANNELS for c in channels):
        errors.append(FieldError("channels", f"choose from {', '.join(PAGING_CHANNELS)}"))
    if "sms" in channels and not phone.strip():
        errors.append(FieldError("phone", "a phone number is needed for SMS"))
    if errors:
        raise ValidationFailed(errors=errors)
    pref, _ = OfficerAlertPreference.objects.update_or_create(
        user_id=user_id,
        defaults={
            "on_call_weekdays": sorted(set(on_call_weekdays)),
            "on_call_start": on_call_start,
            "on_call_end": on_call_end,
            "timezone": timezone,
            "page_severities": [s for s in SEVERITY_ORDER if s in page_severities],
            "channels": [c for c in PAGING_CHANNELS if c in channels],
            "phone": phone.strip()[:32],
            "updated_at": clock.now(),
        },
    )
    audit_record(
        actor=actor, action="alert_preference.set", object_type="user", object_ids=[user_id]
    )
    return pref


@transaction.atomic
def on_call_list_set(*, actor: Any, scope: Scope, office_id: int, user_ids: list[int]) -> int:
    """Replaces an office's on-call list (in order). Supervisors set their own office's."""
    scope.require(Role.SUPERVISOR, Role.ADMIN)
    if scope.role == Role.SUPERVISOR and office_id != scope.office_id:
        raise ValidationFailed(errors=[FieldError("office_id", "not your office")])
    if not office_list().filter(pk=office_id).exists():
        # An unknown office would fail the foreign key on insert: a 500 found by schemathesis.
        raise NotFound(detail="no such office")
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(
            pk__in=user_ids, is_active=True, role__in=list(STAFF_ROLES)
        )
    }
    missing = [u for u in user_ids if u not in users]
    if missing:
        raise ValidationFailed(errors=[FieldError("user_ids", f"unknown staff users {missing}")])
    OnCallEntry.objects.filter(office_id=office_id).delete()
    OnCallEntry.objects.bulk_create(
        OnCallEntry(office_id=office_id, user_id=uid, position=n)
        for n, uid in enumerate(dict.fromkeys(user_ids), start=1)
    )
    audit_record(actor=actor, action="oncall.set", object_type="office", object_ids=[office_id])
    return len(users)
