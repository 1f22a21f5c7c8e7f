"""App config for console: registers the at-large panel and the at-large periodic job."""

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "atd.console"
    label = "console"

    def ready(self) -> None:
        from datetime import timedelta

        from atd.console import at_large, at_large_views
        from atd.core.extensions import (
            ParticipantPanel,
            PeriodicJob,
            register_participant_panel,
            register_periodic_job,
        )

        # At large (issue 19): the panel on the participant page and the job proposing it.
        register_participant_panel(
            ParticipantPanel(
                name="at_large",
                template="console/_at_large_panel.html",
                context=at_large_views.panel_context,
                order=5,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="console.at_large", every=timedelta(hours=1), run=at_large.at_large_job
            )
        )
