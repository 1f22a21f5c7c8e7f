"""`atd worker`: run queued and periodic jobs (ADR 0015). Any number may run at once.

atd worker                          every queue, fires periodic jobs
atd worker --queue-name paging      a worker reserved for paging jobs
atd worker --no-schedule            run jobs only, leave firing to other replicas
"""

from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.compat import TASKS_LOGGER
from django_tasks_db.management.commands import db_worker

from atd.core.jobs.worker import JobWorker


class Command(db_worker.Command):
    help = "Run background jobs: queued tasks and periodic jobs, by queue (see ADR 0015)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="do not fire periodic jobs from this worker (other replicas do)",
        )

    def configure_logging(self, verbosity: int) -> None:
        """django-tasks logs every task's start and finish at INFO (and a failure with its
        traceback at ERROR); a periodic job runs every few seconds, so at the default verbosity
        only failures show. The routine runs are logged by atd.jobs at DEBUG, with the job's
        name (`-v 2` or ATD_LOG_LEVEL=DEBUG shows them); failures and retries at WARNING."""
        super().configure_logging(verbosity)
        if verbosity == 1:
            logging.getLogger(TASKS_LOGGER).setLevel(logging.WARNING)

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = JobWorker(
            schedule=options["schedule"],
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
