"""App config for checkins: periodic jobs, the participant-page panel, the demo step."""

from datetime import timedelta

from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "atd.checkins"
    label = "checkins"

    def ready(self) -> None:
        from atd.checkins import demo, identity_panels, ladder_panel, panels, tasks
        from atd.checkins.services.ladder import ladder_silences_hook
        from atd.core.extensions import (
            AlertAside,
            DashboardCard,
            DemoStep,
            JobQueue,
            NavLink,
            ParticipantPanel,
            PeriodicJob,
            SilenceHook,
            register_alert_aside,
            register_dashboard_card,
            register_demo_step,
            register_nav_link,
            register_participant_panel,
            register_periodic_job,
            register_silence_hook,
            register_timeline_source,
        )

        register_periodic_job(
            PeriodicJob(
                name="checkins.windows_generate",
                every=timedelta(hours=1),
                run=tasks.windows_generate_job,
            )
        )
        # Closes windows whose time is up; after downtime one run catches up on all of them.
        register_periodic_job(
            PeriodicJob(
                name="checkins.windows_close",
                every=timedelta(minutes=1),
                run=tasks.windows_close_job,
                queue=JobQueue.PAGING,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="checkins.window_reminders",
                every=timedelta(minutes=15),
                run=tasks.window_reminders_job,
            )
        )
        register_participant_panel(
            ParticipantPanel(
                name="checkins",
                template="checkins/panel.html",
                context=panels.participant_panel_context,
                order=30,
            )
        )
        register_timeline_source(panels.TIMELINE)
        register_alert_aside(
            AlertAside(
                name="checkins",
                template="checkins/alert_aside.html",
                context=panels.alert_aside_context,
            )
        )
        register_dashboard_card(
            DashboardCard(
                name="checkins_today",
                template="checkins/card_today.html",
                context=panels.today_card_context,
                order=20,
            )
        )
        register_dashboard_card(
            DashboardCard(
                name="checkins",
                template="checkins/card.html",
                context=panels.dashboard_card_context,
                order=30,
            )
        )
        register_demo_step(DemoStep(name="checkins", seed=demo.demo_seed, order=60))
        # The graduated response: its panel, and the silences of phones and trackers that
        # telemetry's no-signal scan hands over (ladder_panel.py, services/ladder.py).
        register_participant_panel(
            ParticipantPanel(
                name="checkins_ladder",
                template="checkins/ladder_panel.html",
                context=ladder_panel.ladder_panel_context,
                order=31,
            )
        )
        register_silence_hook(SilenceHook(name="checkins_ladder", run=ladder_silences_hook))
        # Identity review (docs/checkins.md): the photos' retention purge, the queue, the panel.
        register_periodic_job(
            PeriodicJob(
                name="checkins.identity_photos_purge",
                every=timedelta(hours=6),
                run=identity_panels.identity_photos_purge_job,
                queue=JobQueue.BATCH,
            )
        )
        register_participant_panel(
            ParticipantPanel(
                name="identity",
                template="checkins/identity_panel.html",
                context=identity_panels.participant_panel_context,
                order=31,
            )
        )
        register_nav_link(
            NavLink(
                label="Identity review",
                url_name="checkins:identity_queue",
                roles=frozenset({"case_officer", "contractor_specialist", "supervisor", "admin"}),
                order=40,
            )
        )
