"""App config for supervision: the plan panel, nav link, timeline and demo step."""

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "atd.supervision"
    label = "supervision"

    def ready(self) -> None:
        from atd.core.extensions import (
            DemoStep,
            NavLink,
            ParticipantPanel,
            register_demo_step,
            register_nav_link,
            register_participant_panel,
            register_timeline_source,
        )
        from atd.supervision import demo, panels

        register_participant_panel(
            ParticipantPanel(
                name="supervision",
                template="supervision/panel.html",
                context=panels.participant_panel_context,
                order=20,
            )
        )
        register_timeline_source(panels.TIMELINE)
        register_nav_link(
            NavLink(
                label="Cost rates",
                url_name="supervision:cost_rates",
                roles=frozenset({"supervisor", "admin", "records_analyst", "auditor"}),
                order=80,
            )
        )
        register_demo_step(DemoStep(name="supervision", seed=demo.demo_seed, order=50))
