"""App config for reporting."""

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "atd.reporting"
    label = "reporting"
