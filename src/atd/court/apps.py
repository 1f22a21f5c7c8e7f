"""App config for court: registers its participant panel, timeline, periodic job, demo step."""

from datetime import timedelta

from django.apps import AppConfig


class CourtConfig(AppConfig):
    name = "atd.court"
    label = "court"

    def ready(self) -> None:
        from atd.core.extensions import (
            DashboardCard,
            DemoStep,
            NavLink,
            ParticipantPanel,
            PeriodicJob,
            PortalSection,
            TimelineSource,
            register_dashboard_card,
            register_demo_step,
            register_nav_link,
            register_participant_panel,
            register_periodic_job,
            register_portal_section,
            register_timeline_source,
        )
        from atd.court import dashboard, demo, departure_views, tasks, timeline, views

        register_participant_panel(
            ParticipantPanel(
                name="court", template="court/panel.html", context=views.panel_context, order=30
            )
        )
        register_nav_link(
            NavLink(
                label="Court",
                url_name="court:overview",
                roles=frozenset({"case_officer", "contractor_specialist", "supervisor", "admin"}),
                order=30,
            )
        )
        register_dashboard_card(
            DashboardCard(
                name="court_hearings_week",
                template="court/card_week.html",
                context=dashboard.hearings_week_card_context,
                order=25,
            )
        )
        register_dashboard_card(
            DashboardCard(
                name="court_departure_tasks",
                template="court/card_departure_tasks.html",
                context=departure_views.tasks_card_context,
                order=26,
            )
        )
        register_portal_section(
            PortalSection(
                name="departure",
                template="court/portal_departure_section.html",
                context=departure_views.portal_section_context,
                order=70,
            )
        )
        register_timeline_source(TimelineSource(name="court", items=timeline.court_timeline_items))
        register_periodic_job(
            PeriodicJob(
                name="court.checks", every=timedelta(minutes=15), run=tasks.court_checks_run
            )
        )
        register_demo_step(DemoStep(name="court", seed=demo.court_demo_seed, order=40))
