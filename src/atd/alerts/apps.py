"""App config for alerts: registers its periodic jobs, timeline source and nav link."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "atd.alerts"
    label = "alerts"

    def ready(self) -> None:
        from atd.alerts import registrations

        registrations.register_all()
