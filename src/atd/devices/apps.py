"""App config for devices."""

from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "atd.devices"
    label = "devices"
