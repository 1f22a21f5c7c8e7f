"""App config for scheduling: registers its pages, panel, portal section, job and demo step."""

from datetime import timedelta

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "atd.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from atd.core.actors import SYSTEM
        from atd.core.extensions import (
            DashboardCard,
            DemoStep,
            JobQueue,
            NavLink,
            OfficeMoveHook,
            ParticipantPanel,
            PeriodicJob,
            PortalSection,
            register_dashboard_card,
            register_demo_step,
            register_nav_link,
            register_office_move_hook,
            register_participant_panel,
            register_periodic_job,
            register_portal_section,
        )
        from atd.scheduling import demo, panels, selectors, services

        register_nav_link(
            NavLink(
                label="Appointments",
                url_name="scheduling:backlog",
                roles=frozenset(str(r) for r in selectors.OFFICE_READ_ROLES),
                order=40,
            )
        )
        register_participant_panel(
            ParticipantPanel(
                name="scheduling.appointments",
                template="scheduling/panel_appointments.html",
                context=panels.participant_panel_context,
                order=40,
            )
        )
        register_portal_section(
            PortalSection(
                name="scheduling.appointments",
                template="scheduling/portal_appointments.html",
                context=panels.portal_section_context,
                order=30,
            )
        )
        register_dashboard_card(
            DashboardCard(
                name="scheduling.backlog",
                template="scheduling/dashboard_card.html",
                context=panels.dashboard_card_context,
                order=60,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="scheduling.schedule_all",
                every=timedelta(hours=6),
                run=lambda: services.appointments_schedule_all(actor=SYSTEM),
                queue=JobQueue.BATCH,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="scheduling.appointment_reminders",
                every=timedelta(minutes=15),
                run=lambda: services.appointment_reminders_enqueue(),
            )
        )
        register_demo_step(DemoStep(name="scheduling", seed=demo.demo_seed, order=900))
        register_office_move_hook(
            OfficeMoveHook(name="scheduling", run=services.appointments_release_on_move)
        )
