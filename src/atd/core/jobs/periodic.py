"""Firing periodic jobs once per period across every worker replica.

Each period of a job is a slot aligned to the epoch (a 15-second job has one slot per 15
seconds, the same on every machine). Every replica's ticker tries to insert the JobFiring row
(job, slot start); the unique constraint lets exactly one insert succeed, on SQLite and
PostgreSQL alike, and only that replica enqueues the job — in the same transaction, so a crash
between the two leaves neither. A job whose previous firing has not finished yet (still queued
or running) skips the slot rather than piling copies up behind a slow or busy queue: jobs derive
their work from stored state, so the next run catches up."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from atd.core.extensions import JobQueue, PeriodicJob, periodic_jobs
from atd.core.jobs.tasks import periodic_job_run
from atd.core.models import JobFiring, JobRun

log = logging.getLogger("atd.jobs")

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_UNFINISHED = ("READY", "RUNNING")


def period_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period `now` falls in, aligned to a fixed epoch."""
    step = max(int(every.total_seconds() * 1_000_000), 1)
    elapsed = int((now - _EPOCH) / timedelta(microseconds=1))
    return _EPOCH + timedelta(microseconds=elapsed - elapsed % step)


def periodic_jobs_fire_due(
    *, worker_id: str, now: datetime, jobs: Iterable[PeriodicJob] | None = None
) -> list[str]:
    """Fire every job whose current period has no firing yet; returns the names this replica
    fired (the others were fired by another replica, or are still busy)."""
    jobs = list(periodic_jobs if jobs is None else jobs)
    slots = {job.name: period_start(now, job.every) for job in jobs}
    taken = set(
        JobFiring.objects.filter(job__in=slots, period_start__in=set(slots.values())).values_list(
            "job", "period_start"
        )
    )
    fired: list[str] = []
    for job in jobs:
        slot = slots[job.name]
        if (job.name, slot) in taken or _previous_unfinished(job.name):
            continue
        try:
            with transaction.atomic():
                firing = JobFiring.objects.create(
                    job=job.name, period_start=slot, fired_at=now, fired_by=worker_id[:64]
                )
                result = periodic_job_run.using(
                    queue_name=job.queue, priority=_PRIORITY[JobQueue(job.queue)]
                ).enqueue(name=job.name)
                firing.task_result_id = str(result.id)
                firing.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # another replica fired this period first
        fired.append(job.name)
    return fired


_PRIORITY = {JobQueue.PAGING: 50, JobQueue.DEFAULT: 0, JobQueue.BATCH: -50}


def _previous_unfinished(name: str) -> bool:
    last = (
        JobFiring.objects.filter(job=name)
        .order_by("-period_start")
        .values_list("task_result_id", flat=True)
        .first()
    )
    try:
        last_id = uuid.UUID(last) if last else None
    except ValueError:
        last_id = None  # not a database-backend task (tests run tasks immediately)
    if last_id and DBTaskResult.objects.filter(id=last_id, status__in=_UNFINISHED).exists():
        return True
    # A retry waiting for its backoff, or an attempt still running, counts as unfinished too.
    busy = (JobRun.State.QUEUED, JobRun.State.RUNNING)
    return JobRun.objects.filter(job=name, state__in=busy).exists()


def job_firings_prune(*, before: datetime) -> int:
    """Firing rows are the record of what fired; a week of them is plenty."""
    deleted, _ = JobFiring.objects.filter(fired_at__lt=before).delete()
    return deleted
