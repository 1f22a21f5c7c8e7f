"""App config for the shared kernel: login audit signals, the audit checkpoint job."""

from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "atd.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from atd.core import auth_adapter  # noqa: F401  (connects the login audit signals)
        from atd.core.audit import audit_checkpoint_job
        from atd.core.extensions import PeriodicJob, register_periodic_job

        register_periodic_job(
            PeriodicJob(
                name="core.audit_checkpoint",
                every=timedelta(minutes=settings.ATD_AUDIT_CHECKPOINT_MINUTES),
                run=audit_checkpoint_job,
            )
        )
