"""`atd worker`: django-tasks-db's worker loop, plus a ticker thread per process.

The main thread claims and runs one task at a time (django-tasks-db locks the row; SIGTERM lets
the current task finish, a second signal fails it and queues its retry). The ticker thread, on
its own database connection, every tick: fires the periodic jobs that are due (periodic.py),
renews the lease of the running task and writes its progress, and reaps runs whose worker died
(runs.py). Because the ticker is a thread, periodic firing and reaping go on while the main
thread is busy with a long job."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from atd.core.jobs import periodic, progress, runs
from atd.core.jobs import settings as job_settings

log = logging.getLogger("atd.jobs")

PRUNE_EVERY = timedelta(hours=1)
KEEP = timedelta(days=7)


class JobWorker(Worker):
    def __init__(self, *, schedule: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schedule = schedule
        self._run_id: int | None = None
        self._stop = threading.Event()

    def run(self) -> None:
        ticker = threading.Thread(target=self._tick_loop, name="atd-jobs-ticker", daemon=True)
        ticker.start()
        try:
            super().run()
        finally:
            self._stop.set()
            ticker.join(timeout=5)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        run = runs.run_begin(db_task=db_task_result, worker_id=self.worker_id)
        progress.progress_clear()
        self._run_id = run.pk
        started = time.monotonic()
        try:
            super().run_task(db_task_result)
        finally:
            self._run_id = None
            self._flush_progress(run.pk)
            state = runs.run_finish(run=run, db_task=db_task_result)
            # Routine runs at DEBUG (a periodic job runs every few seconds); a failure is
            # logged at WARNING by run_finish, with its reason.
            log.debug(
                "job %s attempt %s %s in %.2f s",
                run.job,
                run.attempt,
                state,
                time.monotonic() - started,
            )

    def _flush_progress(self, run_id: int) -> None:
        latest = progress.progress_take()
        if latest is not None:
            runs.run_renew(run_id=run_id, worker_id=self.worker_id, progress=latest)

    def _tick_loop(self) -> None:
        every = job_settings.tick()
        renew_every = max(job_settings.lease().total_seconds() / 4, every)
        last_renew = 0.0
        last_prune = timezone.now() - PRUNE_EVERY + timedelta(minutes=5)
        elapsed = 0.0
        try:
            while not self._stop.wait(every):
                elapsed += every
                close_old_connections()
                try:
                    now = timezone.now()
                    run_id = self._run_id
                    latest = progress.progress_take()
                    if run_id is not None and (
                        latest is not None or elapsed - last_renew >= renew_every
                    ):
                        runs.run_renew(run_id=run_id, worker_id=self.worker_id, progress=latest)
                        last_renew = elapsed
                    if self.schedule:
                        periodic.periodic_jobs_fire_due(worker_id=self.worker_id, now=now)
                    runs.runs_reap_lost(now=now)
                    if now - last_prune >= PRUNE_EVERY:
                        periodic.job_firings_prune(before=now - KEEP)
                        runs.job_runs_prune(before=now - KEEP)
                        last_prune = now
                except Exception:
                    # A locked SQLite file or a dropped connection: the next tick tries again.
                    log.exception("job ticker pass failed")
        finally:
            connection.close()
