"""App config for matching."""

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "atd.matching"
    label = "matching"
