"""Tasks the job-system tests queue for real `atd worker` subprocesses (imported by path)."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task

from atd.core.jobs.progress import job_progress


@task(queue_name="batch")
def hold(*, started: str, release: str, limit_s: float = 60.0) -> str:
    """A long job: reports half done, says it started, then works until released (bounded)."""
    job_progress(1, 2)
    Path(started).touch()
    deadline = time.monotonic() + limit_s
    while not Path(release).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    return "released"


@task(queue_name="paging", priority=50)
def page(*, mark: str) -> str:
    Path(mark).write_text(str(time.time()))
    return "paged"
