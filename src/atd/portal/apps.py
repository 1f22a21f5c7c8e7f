"""App config for portal: the participant's "Check in" link in the top bar."""

from typing import cast

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PortalConfig(AppConfig):
    name = "atd.portal"
    label = "portal"

    def ready(self) -> None:
        from atd.core.extensions import NavLink, register_nav_link

        register_nav_link(
            NavLink(
                # Lazy: rendered in the participant's language when the page is.
                label=cast(str, gettext_lazy("Check in")),
                url_name="portal:checkin",
                roles=frozenset({"participant"}),
                order=10,
            )
        )
