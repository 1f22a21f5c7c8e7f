"""App config for alerts."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "atd.alerts"
    label = "alerts"
