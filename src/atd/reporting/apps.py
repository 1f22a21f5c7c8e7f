"""App config for reporting: registers its console link."""

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "atd.reporting"
    label = "reporting"

    def ready(self) -> None:
        from atd.core.extensions import NavLink, register_nav_link

        register_nav_link(
            NavLink(
                label="Reports",
                url_name="reporting:index",
                roles=frozenset({"supervisor", "records_analyst", "admin", "auditor"}),
                order=60,
            )
        )
