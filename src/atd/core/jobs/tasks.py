"""The one django-task that runs a registered periodic job by name (the ticker enqueues it on
the job's own queue, see periodic.py)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django_tasks import task

from atd.core.extensions import periodic_job_named


def _jsonable(value: Any) -> Any:
    """Jobs return dataclasses or counts; the task result column stores JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str))


@task()
def periodic_job_run(name: str) -> Any:
    return _jsonable(periodic_job_named(name).run())
