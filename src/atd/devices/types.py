"""The published types of devices: what other contexts and views get back from its selectors,
or hand to them. Frozen dataclasses only, no `Any` (mypy: `disallow_any_explicit` for this
module)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias


@dataclass(frozen=True)
class DeviceHealth:
    """A device's health as last reported: battery, contact, strap. Telemetry measures it
    (it sits above devices in the layers and registers its reader with
    `atd.devices.selectors.device_health_reader_register`); devices' pages show it."""

    device_id: int
    last_contact_at: datetime
    battery: int | None = None
    battery_level: str = "ok"  # ok | low | critical
    charging: bool | None = None
    strap_open: bool = False
    last_fix_time: datetime | None = None
    # From the newest fix (phones: Traccar Client sends them): accuracy in metres, and whether
    # the phone said it was moving; None when the device does not send them.
    accuracy_m: float | None = None
    moving: bool | None = None


# reader(device_ids) -> {device_id: health}, for the devices it knows of.
DeviceHealthReader: TypeAlias = Callable[[Sequence[int]], dict[int, DeviceHealth]]
