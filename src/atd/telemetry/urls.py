"""Pages of telemetry (console side); mounted at /telemetry/."""

from django.urls import path  # noqa: F401

app_name = "telemetry"
urlpatterns: list = []
