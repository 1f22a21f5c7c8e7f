"""App config for telemetry."""

from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "atd.telemetry"
    label = "telemetry"
