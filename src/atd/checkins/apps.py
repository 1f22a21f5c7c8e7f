"""App config for checkins."""

from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "atd.checkins"
    label = "checkins"
