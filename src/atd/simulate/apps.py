"""App config for the simulator (it only holds management commands)."""

from django.apps import AppConfig


class SimulateConfig(AppConfig):
    name = "atd.simulate"
    label = "simulate"
