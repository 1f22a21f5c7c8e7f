"""Periodic telemetry jobs run by `atd worker` (both restart-safe: see the services)."""

from __future__ import annotations

from atd.core import clock
from atd.telemetry.config import telemetry_config
from atd.telemetry.partitions import partitions_create_ahead
from atd.telemetry.services import no_signal_scan, positions_purge


def telemetry_no_signal_job() -> int:
    return no_signal_scan()


def telemetry_retention_job() -> int:
    return positions_purge()


def telemetry_partitions_ahead_job() -> int:
    """Day partitions of positions (PostgreSQL) from the oldest day a device may still send
    to a week ahead; 0 on SQLite."""
    max_age_days = telemetry_config().max_age.days + 1
    return len(partitions_create_ahead(now=clock.now(), days_back=max_age_days, days_ahead=7))
