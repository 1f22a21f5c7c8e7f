"""App config for telemetry: registers its periodic jobs and demo step."""

from datetime import timedelta

from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "atd.telemetry"
    label = "telemetry"

    def ready(self) -> None:
        from atd.core.extensions import (
            DemoStep,
            JobQueue,
            ParticipantPanel,
            PeriodicJob,
            TimelineSource,
            register_demo_step,
            register_legal_hold_reader,
            register_participant_panel,
            register_periodic_job,
            register_timeline_source,
        )
        from atd.devices.selectors import device_health_reader_register
        from atd.telemetry.demo import telemetry_demo_processes, telemetry_demo_seed
        from atd.telemetry.panels import participant_panel_context, participant_timeline_items
        from atd.telemetry.selectors import device_health, legal_hold_participant_ids
        from atd.telemetry.tasks import (
            telemetry_no_signal_job,
            telemetry_partitions_ahead_job,
            telemetry_retention_job,
        )

        device_health_reader_register(device_health)
        register_legal_hold_reader(legal_hold_participant_ids)
        register_periodic_job(
            PeriodicJob(
                name="telemetry.no_signal",
                every=timedelta(minutes=5),
                run=telemetry_no_signal_job,
                queue=JobQueue.PAGING,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="telemetry.retention_purge",
                every=timedelta(hours=6),
                run=telemetry_retention_job,
                queue=JobQueue.BATCH,
            )
        )
        register_periodic_job(
            PeriodicJob(
                name="telemetry.partitions_ahead",
                every=timedelta(hours=1),
                run=telemetry_partitions_ahead_job,
            )
        )
        register_demo_step(
            DemoStep(
                name="telemetry",
                seed=telemetry_demo_seed,
                order=60,
                processes=telemetry_demo_processes,
            )
        )
        register_participant_panel(
            ParticipantPanel(
                name="telemetry",
                template="telemetry/participant_panel.html",
                context=participant_panel_context,
                order=40,
            )
        )
        register_timeline_source(TimelineSource(name="telemetry", items=participant_timeline_items))
