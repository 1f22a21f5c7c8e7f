"""App config for devices: the participant page's devices panel and the Devices nav link."""

from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "atd.devices"
    label = "devices"

    def ready(self) -> None:
        from atd.core.extensions import (
            DemoStep,
            NavLink,
            ParticipantPanel,
            register_demo_step,
            register_nav_link,
            register_participant_panel,
        )
        from atd.devices.access import VIEW_ROLES
        from atd.devices.demo import devices_demo_seed
        from atd.devices.panels import devices_panel_context

        register_nav_link(
            NavLink(
                label="Devices",
                url_name="devices:inventory",
                roles=frozenset(str(r) for r in VIEW_ROLES),
                order=20,
            )
        )
        register_participant_panel(
            ParticipantPanel(
                name="devices",
                template="devices/participant_panel.html",
                context=devices_panel_context,
                order=35,
            )
        )
        # After telemetry (60): the simulated wearers' devices come first.
        register_demo_step(DemoStep(name="devices", seed=devices_demo_seed, order=65))
