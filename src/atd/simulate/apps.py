"""App config for the simulator: management commands, the demo's tracked phone, the demo outbox
and its nav link."""

from django.apps import AppConfig


class SimulateConfig(AppConfig):
    name = "atd.simulate"
    label = "simulate"

    def ready(self) -> None:
        from django.conf import settings

        from atd.core.extensions import DemoStep, register_demo_step
        from atd.simulate.phone import demo_phone_processes, demo_phone_seed

        # After devices (65): the phone goes to a participant with no simulated smartphone.
        register_demo_step(
            DemoStep(name="phone", seed=demo_phone_seed, order=70, processes=demo_phone_processes)
        )
        if not settings.ATD_DEMO:
            return
        from atd.core.extensions import NavLink, register_nav_link

        # The Demo outbox: what the demo's local SMS provider and SMTP server received.
        register_nav_link(
            NavLink(
                label="Demo outbox",
                url_name="demo_outbox",
                roles=frozenset({"case_officer", "contractor_specialist", "supervisor", "admin"}),
                order=90,
            )
        )
