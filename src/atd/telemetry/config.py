"""Telemetry settings read once per batch into a plain value (rules take values, not settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from atd.telemetry.rules.memory import Persistence


@dataclass(frozen=True)
class TelemetryConfig:
    max_records: int
    max_depth: int  # nesting allowed in a record's attributes
    future_tolerance: timedelta
    max_age: timedelta
    max_speed_mps: float
    persistence: Persistence
    battery_low: int
    battery_critical: int
    no_signal: dict[str, timedelta]
    retention: timedelta


def telemetry_config() -> TelemetryConfig:
    return TelemetryConfig(
        max_records=settings.ATD_TELEMETRY_MAX_BATCH,
        max_depth=settings.ATD_TELEMETRY_MAX_DEPTH,
        future_tolerance=timedelta(seconds=settings.ATD_TELEMETRY_FUTURE_TOLERANCE_S),
        max_age=timedelta(days=settings.ATD_TELEMETRY_MAX_AGE_DAYS),
        max_speed_mps=settings.ATD_TELEMETRY_MAX_SPEED_KMH / 3.6,
        persistence=Persistence(
            fixes=settings.ATD_ZONE_PERSIST_FIXES,
            duration=timedelta(minutes=settings.ATD_ZONE_PERSIST_MINUTES),
        ),
        battery_low=settings.ATD_BATTERY_LOW_PCT,
        battery_critical=settings.ATD_BATTERY_CRITICAL_PCT,
        no_signal={
            "gps_ankle": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_GPS_ANKLE),
            "wrist": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_WRIST),
            "smartphone": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_SMARTPHONE),
        },
        retention=timedelta(days=settings.ATD_TELEMETRY_RETENTION_DAYS),
    )
