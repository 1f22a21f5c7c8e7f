"""App config for console."""

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "atd.console"
    label = "console"
