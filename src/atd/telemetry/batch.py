"""What one pipeline run carries: the submissions, the batch state the steps pass along
(fix columns, events, device health, signals), and the result answered to the sender."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from atd.alerts.services import AlertSignal
from atd.devices.selectors import DeviceIdentity
from atd.telemetry.config import TelemetryConfig
from atd.telemetry.rules.columns import FixColumns, columns_empty
from atd.telemetry.rules.records import Event, Fix, RecordProblem, reason_answered


@dataclass
class Submission:
    """Records from one request or one MQTT message, with the sender's device and secret.
    `trusted` (an integration key acting as a gateway, or an admin replay) skips the secret."""

    records: list[Any]
    serial: str | None = None
    secret: str | None = None
    trusted: bool = False


@dataclass
class Rejection:
    index: int
    reason: str
    detail: str
    serial: str
    payload: Any


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    alerts: int = 0

    def as_dict(self, *, device_keyed: bool = False) -> dict[str, Any]:
        """The answer to the sender. `device_keyed` (a sender holding only device keys, not an
        integration key): an unknown device and a wrong key are answered alike
        (`rules.records.reason_answered`), so its answers cannot tell which serials exist."""
        rejected = []
        for r in self.rejected:
            reason, detail = (r.reason, r.detail)
            if device_keyed:
                reason, detail = reason_answered(reason, detail)
            rejected.append({"index": r.index, "reason": reason, "detail": detail})
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": rejected,
            "alerts": self.alerts,
        }


@dataclass(slots=True)
class Health:
    """A device's health and the detectors' per-device memory while a batch runs (the
    DeviceState row as a plain value: loading 10,000 model instances per batch costs more
    than the rest of the step)."""

    device_id: int
    participant_id: int | None
    last_contact_at: datetime
    last_fix_time: datetime | None = None
    last_lat: float | None = None
    last_lon: float | None = None
    battery: int | None = None
    battery_level: str = "ok"
    charging: bool | None = None
    strap_open: bool = False
    accuracy_m: float | None = None
    moving: bool | None = None


HEALTH_COLUMNS = (
    "device_id",
    "participant_id",
    "last_contact_at",
    "last_fix_time",
    "last_lat",
    "last_lon",
    "battery",
    "battery_level",
    "charging",
    "strap_open",
    "accuracy_m",
    "moving",
)


@dataclass
class Batch:
    via: str
    now: datetime
    config: TelemetryConfig
    submissions: Sequence[Submission]
    items: list[Fix | Event] = field(default_factory=list)  # records decoded one by one
    trusted_indexes: set[int] = field(default_factory=set)
    raw: list[Any] = field(default_factory=list)
    devices: dict[str, DeviceIdentity] = field(default_factory=dict)
    fixes: FixColumns = field(
        default_factory=columns_empty
    )  # in event-time order from order_by_event_time
    events: list[Event] = field(default_factory=list)
    states: dict[int, Health] = field(default_factory=dict)
    signals: list[AlertSignal] = field(default_factory=list)
    keep: set[tuple[int, datetime]] = field(default_factory=set)
    result: IngestResult = field(default_factory=IngestResult)

    def reject(self, index: int, problem: RecordProblem, serial: str = "") -> None:
        payload = self.raw[index] if 0 <= index < len(self.raw) else None
        self.result.rejected.append(
            Rejection(index, problem.reason, problem.detail[:300], serial, payload)
        )

    def drop_fixes(
        self,
        rows: list[tuple[int, RecordProblem]],
        others: list[tuple[int, RecordProblem, str]] | None = None,
    ) -> None:
        """Rejects fixes by row and removes them from the columns; `others` are rejections
        of events (index, problem, serial) answered in the same index order."""
        answers = [(int(self.fixes.index[r]), p, self.fixes.serial[r]) for r, p in rows]
        for index, problem, serial in sorted(answers + (others or []), key=lambda a: a[0]):
            self.reject(index, problem, serial)
        if rows:
            keep = np.ones(len(self.fixes), dtype=bool)
            keep[[r for r, _ in rows]] = False
            self.fixes = self.fixes.take(keep)
