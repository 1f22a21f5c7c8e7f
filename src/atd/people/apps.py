"""App config for people."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "atd.people"
    label = "people"
    verbose_name = "People and cases"
