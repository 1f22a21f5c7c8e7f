"""The region a phone number without a country code is read in (ATD_SMS_DEFAULT_REGION)."""

from __future__ import annotations

from django.conf import settings


def phone_default_region() -> str:
    return str(getattr(settings, "ATD_SMS_DEFAULT_REGION", "US") or "US")
