"""App config for supervision."""

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "atd.supervision"
    label = "supervision"
