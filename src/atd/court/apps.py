"""App config for court."""

from django.apps import AppConfig


class CourtConfig(AppConfig):
    name = "atd.court"
    label = "court"
