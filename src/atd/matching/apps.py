"""App config for matching: registers its periodic jobs and console link."""

from datetime import timedelta

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "atd.matching"
    label = "matching"

    def ready(self) -> None:
        from atd.core.extensions import (
            DemoStep,
            JobQueue,
            NavLink,
            ParticipantChangeHook,
            PeriodicJob,
            register_demo_step,
            register_nav_link,
            register_participant_change_hook,
            register_periodic_job,
        )
        from atd.matching import demo, tasks
        from atd.matching.linkage.keys import blocking_keys_refresh

        # People's writes keep the blocking keys current (linkage/keys.py).
        register_participant_change_hook(
            ParticipantChangeHook(
                "matching.blocking_keys",
                run=lambda *, participant_ids: blocking_keys_refresh(participant_ids),
            )
        )

        register_periodic_job(
            PeriodicJob(
                name="matching.link_new_feed_batches",
                every=timedelta(minutes=1),
                run=tasks.link_new_feed_batches,
                queue=JobQueue.BATCH,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="matching.link_new_enrollments",
                every=timedelta(minutes=10),
                run=tasks.link_new_enrollments,
                queue=JobQueue.BATCH,
            )
        )
        register_demo_step(DemoStep(name="matching", seed=demo.demo_seed, order=800))
        register_nav_link(
            NavLink(
                label="Booking matches",
                url_name="matching:queue",
                roles=frozenset({"records_analyst", "admin"}),
                order=60,
            )
        )
