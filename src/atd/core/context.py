"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from atd.core.extensions import nav_links, ordered
from atd.core.timezones import zone_label


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    links = []
    for link in ordered(nav_links):
        if role in link.roles:
            try:
                links.append((link.label, reverse(link.url_name)))
            except NoReverseMatch:
                continue
    return {
        "ATD_DEMO": settings.ATD_DEMO,
        "ATD_MAP_TILE_URL": settings.ATD_MAP_TILE_URL,
        "app_nav_links": links,
        # Staff pages show times in the viewer's zone (console middleware); the header says which.
        "tz_label": zone_label() if role and role != "participant" else "",
    }
