"""App config for reporting: registers its console link."""

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "atd.reporting"
    label = "reporting"

    def ready(self) -> None:
        from datetime import timedelta

        from atd.core.extensions import (
            DemoStep,
            JobQueue,
            NavLink,
            PeriodicJob,
            register_demo_step,
            register_nav_link,
            register_periodic_job,
        )
        from atd.reporting import demo, facts

        register_nav_link(
            NavLink(
                label="Reports",
                url_name="reporting:index",
                roles=frozenset({"supervisor", "records_analyst", "admin", "auditor"}),
                order=60,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="reporting.facts_refresh",
                every=timedelta(minutes=10),
                run=facts.case_facts_refresh,
                queue=JobQueue.BATCH,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="reporting.facts_full_refresh",
                every=timedelta(days=1),
                run=lambda: facts.case_facts_refresh(full=True),
                queue=JobQueue.BATCH,
            )
        )
        register_demo_step(DemoStep(name="reporting", seed=demo.reporting_demo_seed, order=90))
