"""App config for reviews: portal section, participant panel, dashboard card, nav link, jobs,
demo step."""

from datetime import timedelta

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "atd.reviews"
    label = "reviews"

    def ready(self) -> None:
        from atd.core.extensions import (
            DashboardCard,
            DemoStep,
            JobQueue,
            NavLink,
            ParticipantPanel,
            PeriodicJob,
            PortalSection,
            register_dashboard_card,
            register_demo_step,
            register_nav_link,
            register_participant_panel,
            register_periodic_job,
            register_portal_section,
        )
        from atd.reviews import demo, tasks, views

        register_portal_section(
            PortalSection(
                name="reviews",
                template="reviews/portal_section.html",
                context=views.portal_section_context,
                order=60,
            )
        )
        register_participant_panel(
            ParticipantPanel(
                name="reviews", template="reviews/panel.html", context=views.panel_context, order=60
            )
        )
        register_nav_link(
            NavLink(
                label="Reviews",
                url_name="reviews:queue",
                roles=frozenset({"case_officer", "contractor_specialist", "supervisor", "admin"}),
                order=40,
            )
        )
        register_dashboard_card(
            DashboardCard(
                name="reviews_overdue",
                template="reviews/card_overdue.html",
                context=views.overdue_card_context,
                order=30,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="reviews.escalate_overdue",
                every=timedelta(minutes=15),
                run=tasks.reviews_escalate_overdue,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="reviews.propose_eligible",
                every=timedelta(hours=6),
                run=tasks.reviews_propose_eligible,
                queue=JobQueue.BATCH,
            )
        )
        register_demo_step(DemoStep(name="reviews", seed=demo.reviews_demo_seed, order=70))
