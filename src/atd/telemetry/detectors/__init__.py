"""Detectors: each reads the batch's new fixes (columns, in event-time order) and events and
appends AlertSignals; `pipeline.raise_alerts` raises them all in the batch's transaction.

Every signal carries evidence an officer needs to tell a device fault from non-compliance:
the last known positions and the device's health (battery, charging, last contact).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from atd.telemetry.detectors.device import battery, charging, tamper
from atd.telemetry.detectors.zones import zones_and_curfews, zones_cached

if TYPE_CHECKING:
    from atd.telemetry.batch import Batch

DETECTORS: tuple[Callable[[Batch], None], ...] = (tamper, battery, charging, zones_and_curfews)

__all__ = ["DETECTORS", "battery", "charging", "tamper", "zones_and_curfews", "zones_cached"]
