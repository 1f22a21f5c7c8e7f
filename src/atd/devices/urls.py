"""Pages of devices (console side); mounted at /devices/."""

from django.urls import path  # noqa: F401

app_name = "devices"
urlpatterns: list = []
