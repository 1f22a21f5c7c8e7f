"""Periodic telemetry jobs run by `atd worker` (both restart-safe: see the services)."""

from __future__ import annotations

from atd.telemetry.services import no_signal_scan, positions_purge


def telemetry_no_signal_job() -> int:
    return no_signal_scan()


def telemetry_retention_job() -> int:
    return positions_purge()
