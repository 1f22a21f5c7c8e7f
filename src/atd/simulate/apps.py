"""App config for the simulator: management commands, and the demo's tracked phone."""

from django.apps import AppConfig


class SimulateConfig(AppConfig):
    name = "atd.simulate"
    label = "simulate"

    def ready(self) -> None:
        from atd.core.extensions import DemoStep, register_demo_step
        from atd.simulate.phone import demo_phone_processes, demo_phone_seed

        # After devices (65): the phone goes to a participant with no simulated smartphone.
        register_demo_step(
            DemoStep(name="phone", seed=demo_phone_seed, order=70, processes=demo_phone_processes)
        )
