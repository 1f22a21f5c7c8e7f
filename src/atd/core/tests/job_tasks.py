"""Tasks the job-system tests queue for real `atd worker` subprocesses (imported by path)."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task


@task(queue_name="batch")
def hold(*, started: str, release: str, limit_s: float = 60.0) -> str:
    """A long job: says it started, then works until the test releases it (bounded)."""
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
