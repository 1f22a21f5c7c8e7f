"""The published types of alerts: what other contexts and views hand to alerts or get back.

Other contexts import these, the services and the selectors, nothing else of alerts. No `Any`
here (mypy: `disallow_any_explicit` for this module): a renamed field fails the type check.

An alert's evidence is stored as JSON on its row; `AlertEvidence.as_json` writes it and
`AlertEvidence.from_json` reads it back, with one spelling per key (rows written before under
other spellings were rewritten by migration alerts 0003)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

from atd.alerts.choices import AlertKind
from atd.alerts.models import Alert

__all__ = [
    "AlertEvidence",
    "AlertKind",
    "AlertRow",
    "AlertSignal",
    "DeviceHealth",
    "EvidencePosition",
    "JsonValue",
    "ParticipantAlertCounts",
]

JsonValue: TypeAlias = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class EvidenceUnreadable(ValueError):
    """Stored evidence is not in the published shape (a bug, or a row the migration missed)."""


@dataclass(frozen=True)
class EvidencePosition:
    """One of the participant's last good fixes, cited by the alert."""

    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None = None
    battery: int | None = None

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "at": self.at.isoformat(),
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.accuracy_m,
            "battery": self.battery,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JsonValue]) -> EvidencePosition:
        unknown = set(data) - _POSITION_KEYS
        at, lat, lon = data.get("at"), _float(data.get("lat")), _float(data.get("lon"))
        battery = _float(data.get("battery"))
        if unknown or not isinstance(at, str) or lat is None or lon is None:
            raise EvidenceUnreadable(f"a position is not at/lat/lon[/accuracy_m/battery]: {data}")
        return cls(
            at=datetime.fromisoformat(at),
            lat=lat,
            lon=lon,
            accuracy_m=_float(data.get("accuracy_m")),
            battery=None if battery is None else int(battery),
        )


@dataclass(frozen=True)
class DeviceHealth:
    """The device's state when the alert was raised."""

    device_id: int | None
    battery: int | None = None
    battery_level: str | None = None  # ok | low | critical
    charging: bool | None = None
    strap_open: bool | None = None
    last_contact_at: datetime | None = None
    last_fix_time: datetime | None = None

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "device_id": self.device_id,
            "battery": self.battery,
            "battery_level": self.battery_level,
            "charging": self.charging,
            "strap_open": self.strap_open,
            "last_contact_at": _iso(self.last_contact_at),
            "last_fix_time": _iso(self.last_fix_time),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JsonValue]) -> DeviceHealth:
        unknown = set(data) - _DEVICE_KEYS
        if unknown:
            raise EvidenceUnreadable(f"device health with unknown keys: {sorted(unknown)}")
        device_id, battery = data.get("device_id"), data.get("battery")
        level, charging = data.get("battery_level"), data.get("charging")
        strap = data.get("strap_open")
        return cls(
            device_id=device_id if isinstance(device_id, int) else None,
            battery=battery if isinstance(battery, int) else None,
            battery_level=level if isinstance(level, str) else None,
            charging=charging if isinstance(charging, bool) else None,
            strap_open=strap if isinstance(strap, bool) else None,
            last_contact_at=_moment(data.get("last_contact_at")),
            last_fix_time=_moment(data.get("last_fix_time")),
        )


_POSITION_KEYS = frozenset(EvidencePosition.__dataclass_fields__)
_DEVICE_KEYS = frozenset(DeviceHealth.__dataclass_fields__)


@dataclass(frozen=True)
class AlertEvidence:
    """What an alert cites: the last good positions, the device's health, and facts of the
    source (the booking of a match, the missed window, the zone rule, the check-in), JSON
    values under the source's own names."""

    positions: tuple[EvidencePosition, ...] = ()
    device: DeviceHealth | None = None
    facts: dict[str, JsonValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = {"positions", "device"} & set(self.facts)
        if clash:
            raise ValueError(f"evidence facts may not be named {sorted(clash)}")

    def as_json(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = dict(self.facts)
        if self.positions:
            out["positions"] = [p.as_json() for p in self.positions]
        if self.device is not None:
            out["device"] = self.device.as_json()
        return out

    @classmethod
    def from_json(cls, data: JsonValue) -> AlertEvidence:
        if not isinstance(data, dict):
            raise EvidenceUnreadable("evidence is not an object")
        positions, device = data.get("positions", []), data.get("device")
        if not isinstance(positions, list) or not all(isinstance(p, dict) for p in positions):
            raise EvidenceUnreadable("positions is not a list of objects")
        if device is not None and not isinstance(device, dict):
            raise EvidenceUnreadable("device is not an object")
        return cls(
            positions=tuple(
                EvidencePosition.from_json(p) for p in positions if isinstance(p, dict)
            ),
            device=DeviceHealth.from_json(device) if device is not None else None,
            facts={k: v for k, v in data.items() if k not in ("positions", "device")},
        )


@dataclass(frozen=True)
class AlertSignal:
    """What a detector saw. `source_ref` identifies the occurrence in its source (e.g. a device
    event id, a check-in window id) and makes raising it again a no-op. A kind that is not an
    AlertKind is refused here, where it is made, not stored as an unknown string."""

    kind: AlertKind
    occurred_at: datetime
    source: str
    source_ref: str
    participant_id: int | None = None
    office_id: int | None = None
    detail: dict[str, JsonValue] = field(default_factory=dict)
    evidence: AlertEvidence = field(default_factory=AlertEvidence)
    severity: str | None = None
    title: str = ""

    def __post_init__(self) -> None:
        if self.kind not in AlertKind.values:
            raise ValueError(f"unknown alert kind: {self.kind!r}")
        object.__setattr__(self, "kind", AlertKind(self.kind))


@dataclass(frozen=True)
class ParticipantAlertCounts:
    """A participant's alerts for a compliance record: opened in the period by kind, resolved
    ones by disposition, and those still unresolved (whenever opened)."""

    by_kind: Mapping[str, int]
    by_disposition: Mapping[str, int]
    unresolved: int


@dataclass(frozen=True)
class AlertRow:
    """One alert as the queue, the dashboard and a participant page list it: URLs, labels and
    times worked out once per row (in the template they were most of a queue page's time)."""

    a: Alert
    sla_text: str
    breached: bool
    detail_url: str
    ack_url: str
    participant_url: str
    participant_name: str
    office_name: str
    officer_name: str
    severity_label: str
    status_label: str
    opened: str
    due_iso: str


def _float(value: JsonValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _moment(value: JsonValue) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
