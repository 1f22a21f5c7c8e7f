"""The viewer's time zone: every staff page shows times in the zone the staff member chose
(their alert preferences), else their office's, else UTC, and says which zone that is."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import lru_cache

from django.utils import timezone


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    """The IANA zones offered in the preferences form, sorted."""
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def zone_or_none(name: str | None) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_label(at: datetime | None = None) -> str:
    """ "America/Chicago (CST)": the active zone's name and its abbreviation now (or at `at`)."""
    zone = timezone.get_current_timezone()
    moment = timezone.localtime(at or timezone.now(), zone)
    name = getattr(zone, "key", str(zone))
    abbreviation = moment.strftime("%Z")
    return f"{name} ({abbreviation})" if abbreviation and abbreviation != name else name
