"""App config for portal."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "atd.portal"
    label = "portal"
