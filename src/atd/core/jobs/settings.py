"""The job system's knobs, read from Django settings (env-driven in atd.config.settings)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def lease() -> timedelta:
    """How long a running job's claim lasts without renewal; a worker renews it every quarter."""
    return timedelta(seconds=float(getattr(settings, "ATD_JOB_LEASE_SECONDS", 60)))


def attempts() -> int:
    return int(getattr(settings, "ATD_JOB_ATTEMPTS", 3))


def backoff(attempt: int) -> timedelta:
    """Delay before attempt `attempt + 1`: base, 2 x base, 4 x base ... at most 15 minutes."""
    base = float(getattr(settings, "ATD_JOB_BACKOFF_SECONDS", 10))
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), 900.0))


def tick() -> float:
    """Seconds between a worker's scheduler ticks (fire due periodic jobs, reap lost runs)."""
    return float(getattr(settings, "ATD_JOB_TICK_SECONDS", 1.0))
