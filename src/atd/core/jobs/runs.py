"""Job runs: one row per attempt at a queued task, with a lease the running worker renews.

django-tasks-db claims a task by locking its row and marking it RUNNING; it has no notion of a
worker that died holding it, and no retries. Both live here:
- a worker renews `lease_until` of the run it holds; a worker killed with SIGKILL stops, and the
  next reaper pass (any replica's ticker) takes the run over with a conditional UPDATE — one
  replica wins — marks the task failed ("worker lost") and queues the next attempt;
- a failed attempt is retried after a backoff (settings.backoff), up to the job's attempts; the
  last failure stays FAILED, with its error, in the admin (Job runs, Task results)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from atd.core.extensions import periodic_job_named
from atd.core.jobs import settings as job_settings
from atd.core.models import JobRun

log = logging.getLogger("atd.jobs")

PERIODIC_TASK_PATH = "atd.core.jobs.tasks.periodic_job_run"


class WorkerLost(Exception):
    """Recorded as the error of a run whose worker stopped renewing its lease."""


def _job_of(db_task: DBTaskResult) -> tuple[str, int]:
    """The name shown to an admin and the attempts allowed."""
    if db_task.task_path == PERIODIC_TASK_PATH:
        name = str(db_task.args_kwargs.get("kwargs", {}).get("name", ""))
        try:
            return name, periodic_job_named(name).attempts
        except LookupError:
            return name, job_settings.attempts()
    return db_task.task_path, job_settings.attempts()


def run_begin(*, db_task: DBTaskResult, worker_id: str) -> JobRun:
    """The run for a task just claimed: the retry row queued for it, or a new first attempt."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "state": JobRun.State.RUNNING,
        "worker_id": worker_id[:64],
        "started_at": now,
        "lease_until": now + job_settings.lease(),
    }
    job, attempts = _job_of(db_task)
    run, created = JobRun.objects.get_or_create(
        task_result_id=db_task.id,
        defaults={
            **fields,
            "job": job[:200],
            "queue": db_task.queue_name,
            "max_attempts": attempts,
        },
    )
    if not created:
        for name, value in fields.items():
            setattr(run, name, value)
        run.save(update_fields=list(fields))
    return run


def run_renew(*, run_id: int, worker_id: str, progress: tuple[int, int | None] | None) -> bool:
    """Extend the lease of a run this worker still holds (False: it was taken over)."""
    fields: dict[str, Any] = {"lease_until": timezone.now() + job_settings.lease()}
    if progress is not None:
        fields.update(done=progress[0], total=progress[1], progress_at=timezone.now())
    return bool(
        JobRun.objects.filter(
            pk=run_id, state=JobRun.State.RUNNING, worker_id=worker_id[:64]
        ).update(**fields)
    )


def run_finish(*, run: JobRun, db_task: DBTaskResult) -> JobRun.State:
    """Record how the attempt ended (the task row already says SUCCESSFUL or FAILED); a failure
    with attempts left queues the next one."""
    with transaction.atomic():
        held = JobRun.objects.select_for_update().filter(pk=run.pk, state=JobRun.State.RUNNING)
        if not held.exists():
            return JobRun.State(JobRun.objects.get(pk=run.pk).state)  # reaped meanwhile
        if db_task.status == "SUCCESSFUL":
            held.update(state=JobRun.State.SUCCEEDED, finished_at=timezone.now(), lease_until=None)
            return JobRun.State.SUCCEEDED
        return _retry_or_fail(run, error=db_task.traceback or db_task.exception_class_path)


def _retry_or_fail(run: JobRun, *, error: str) -> JobRun.State:
    now = timezone.now()
    if run.attempt >= run.max_attempts:
        state = JobRun.State.FAILED
    else:
        state = JobRun.State.RETRIED
        old = DBTaskResult.objects.get(id=run.task_result_id)
        retry = DBTaskResult.objects.create(
            args_kwargs=old.args_kwargs,
            priority=old.priority,
            task_path=old.task_path,
            queue_name=old.queue_name,
            backend_name=old.backend_name,
            run_after=now + job_settings.backoff(run.attempt),
        )
        JobRun.objects.create(
            task_result_id=retry.id,
            job=run.job,
            queue=run.queue,
            attempt=run.attempt + 1,
            max_attempts=run.max_attempts,
            state=JobRun.State.QUEUED,
        )
    JobRun.objects.filter(pk=run.pk).update(
        state=state, finished_at=now, lease_until=None, error=error[-20000:]
    )
    log.warning(
        "job %s attempt %s of %s failed, %s: %s",
        run.job,
        run.attempt,
        run.max_attempts,
        "retried after a backoff" if state == JobRun.State.RETRIED else "no attempts left",
        failure_reason(error),
    )
    return state


def failure_reason(error: str) -> str:
    """The line of a traceback that says what went wrong (its last non-empty line)."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    return lines[-1][:500] if lines else "no error recorded"


def runs_reap_lost(*, now: datetime | None = None) -> int:
    """Take over every run whose lease ran out: its worker is gone. Returns the runs taken."""
    now = now or timezone.now()
    taken = 0
    expired = JobRun.objects.filter(state=JobRun.State.RUNNING, lease_until__lt=now)
    for run in list(expired.order_by("pk")[:100]):
        with transaction.atomic():
            # The conditional UPDATE is the claim: of several reapers, one changes the row.
            won = JobRun.objects.filter(
                pk=run.pk, state=JobRun.State.RUNNING, lease_until__lt=now
            ).update(lease_until=None)
            if not won:
                continue
            message = (
                f"{WorkerLost.__module__}.WorkerLost: worker {run.worker_id} stopped renewing "
                f"its lease (killed or cut off) while running attempt {run.attempt}"
            )
            DBTaskResult.objects.filter(id=run.task_result_id, status="RUNNING").update(
                status="FAILED",
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.WorkerLost",
                traceback=message,
            )
            _retry_or_fail(run, error=message)
            taken += 1
    return taken


def job_runs_prune(*, before: datetime) -> int:
    """Finished runs and their task rows older than `before` go; failures stay for an admin."""
    old = JobRun.objects.filter(state=JobRun.State.SUCCEEDED, finished_at__lt=before)
    ids = list(old.values_list("task_result_id", flat=True)[:50000])
    DBTaskResult.objects.filter(id__in=ids, status="SUCCESSFUL").delete()
    deleted, _ = JobRun.objects.filter(task_result_id__in=ids).delete()
    return deleted
