"""The telemetry pipeline: one ordered tuple of steps that every ingest path runs.

    decode -> authenticate -> validate -> deduplicate -> order by event time
    -> load device state -> mark GPS jumps -> store -> update last position
    -> detectors -> raise alerts -> dead letters

`pipeline_run` executes STEPS in one transaction, so the alerts commit with the positions and
events that raised them, and a failure leaves nothing half-written (the caller retries or the
MQTT broker redelivers). Each step is a plain function of the Batch; adding a step is adding
it to the tuple.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record
from atd.devices.rules import credential_matches
from atd.devices.selectors import DeviceIdentity, devices_for_ingest
from atd.telemetry.config import TelemetryConfig, telemetry_config
from atd.telemetry.detectors import DETECTORS
from atd.telemetry.models import DeadLetter, DeviceState, LastPosition
from atd.telemetry.rules.movement import Anchor, jumps_mark
from atd.telemetry.rules.records import (
    Event,
    Fix,
    RecordProblem,
    fix_value_problem,
    record_decode,
    record_time_problem,
)
from atd.telemetry.store import events_store, positions_store, rows_upsert

log = logging.getLogger(__name__)
FLAG_JUMP = 1
LAST_POSITION_COLUMNS = (
    "participant_id",
    "device_id",
    "fix_time",
    "lat",
    "lon",
    "accuracy_m",
    "battery",
    "updated_at",
)


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [
                {"index": r.index, "reason": r.reason, "detail": r.detail} for r in self.rejected
            ],
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
)


@dataclass
class Batch:
    via: str
    now: datetime
    config: TelemetryConfig
    submissions: Sequence[Submission]
    items: list[Fix | Event] = field(default_factory=list)
    trusted_indexes: set[int] = field(default_factory=set)
    raw: dict[int, Any] = field(default_factory=dict)
    devices: dict[str, DeviceIdentity] = field(default_factory=dict)
    fixes: list[Fix] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    states: dict[int, Health] = field(default_factory=dict)
    signals: list[AlertSignal] = field(default_factory=list)
    keep: set[tuple[int, datetime]] = field(default_factory=set)
    result: IngestResult = field(default_factory=IngestResult)

    def reject(self, index: int, problem: RecordProblem, serial: str = "") -> None:
        self.result.rejected.append(
            Rejection(index, problem.reason, problem.detail[:300], serial, self.raw.get(index))
        )


# --- steps --------------------------------------------------------------------------------


def decode(batch: Batch) -> None:
    index = 0
    for sub in batch.submissions:
        for record in sub.records:
            batch.raw[index] = record
            try:
                batch.items.append(
                    record_decode(index, record, serial=sub.serial, secret=sub.secret)
                )
                if sub.trusted:
                    batch.trusted_indexes.add(index)
            except RecordProblem as problem:
                serial = record.get("device") if isinstance(record, dict) else None
                batch.reject(index, problem, str(serial or sub.serial or ""))
            index += 1


def authenticate(batch: Batch) -> None:
    """Every record must come from a known device, with its current secret, worn by someone."""
    batch.devices = devices_for_ingest({item.serial for item in batch.items})
    good: dict[tuple[str, str | None], bool] = {}
    kept: list[Fix | Event] = []
    for item in batch.items:
        device = batch.devices.get(item.serial)
        if device is None:
            batch.reject(item.index, RecordProblem("unknown_device", item.serial[:64]), item.serial)
            continue
        if item.index not in batch.trusted_indexes:
            key = (item.serial, item.secret)
            ok = good.get(key)
            if ok is None:
                ok = good[key] = credential_matches(item.secret, device.credential_hash)
            if not ok:
                batch.reject(item.index, RecordProblem("bad_credential"), item.serial)
                continue
        if device.participant_id is None:
            batch.reject(item.index, RecordProblem("unassigned_device"), item.serial)
            continue
        item.device_id = device.id
        item.participant_id = device.participant_id
        kept.append(item)
    batch.items = kept


def validate(batch: Batch) -> None:
    cfg = batch.config
    now = batch.now
    latest = now + cfg.future_tolerance
    earliest = now - cfg.max_age
    for item in batch.items:
        if not earliest <= item.time <= latest:
            problem = record_time_problem(
                item.time, now=now, future_tolerance=cfg.future_tolerance, max_age=cfg.max_age
            )
            batch.reject(item.index, problem or RecordProblem("bad_time"), item.serial)
            continue
        if isinstance(item, Fix):
            value_problem = fix_value_problem(item)
            if value_problem is not None:
                batch.reject(item.index, value_problem, item.serial)
                continue
            batch.fixes.append(item)
        else:
            batch.events.append(item)
    batch.items = []


def deduplicate(batch: Batch) -> None:
    """Within the batch; against stored rows the unique keys decide (see store)."""
    seen: set[tuple[int, datetime]] = set()
    fixes: list[Fix] = []
    for fix in batch.fixes:
        key = (fix.device_id, fix.time)
        if key in seen:
            batch.result.duplicates += 1
            continue
        seen.add(key)
        fixes.append(fix)
    batch.fixes = fixes
    seen_events: set[tuple[int, str, datetime]] = set()
    events: list[Event] = []
    for event in batch.events:
        event_key = (event.device_id, event.kind, event.time)
        if event_key in seen_events:
            batch.result.duplicates += 1
            continue
        seen_events.add(event_key)
        events.append(event)
    batch.events = events


def order_by_event_time(batch: Batch) -> None:
    """Late and out-of-order data (a device uploading 72 hours of buffer) is evaluated in the
    order things happened, not the order they arrived."""
    batch.fixes.sort(key=lambda f: f.time)
    batch.events.sort(key=lambda e: e.time)


def load_device_state(batch: Batch) -> None:
    ids = {f.device_id for f in batch.fixes} | {e.device_id for e in batch.events}
    rows = DeviceState.objects.filter(device_id__in=ids).values_list(*HEALTH_COLUMNS)
    batch.states = {r[0]: Health(*r) for r in rows}
    for device_id in ids - set(batch.states):
        batch.states[device_id] = Health(device_id, None, batch.now)


def mark_jumps(batch: Batch) -> None:
    by_device: dict[int, list[Fix]] = defaultdict(list)
    for fix in batch.fixes:
        by_device[fix.device_id].append(fix)
    max_speed = batch.config.max_speed_mps
    for device_id, fixes in by_device.items():
        state = batch.states[device_id]
        anchor = (
            Anchor(state.last_fix_time, state.last_lat, state.last_lon)
            if state.last_fix_time is not None
            and state.last_lat is not None
            and state.last_lon is not None
            else None
        )
        flags, _ = jumps_mark(
            [(f.time, f.lat, f.lon, f.accuracy) for f in fixes], anchor, max_speed_mps=max_speed
        )
        for fix, jump in zip(fixes, flags, strict=True):
            if jump:
                fix.flags |= FLAG_JUMP


def store(batch: Batch) -> None:
    new_fixes = positions_store(batch.fixes, batch.now)
    new_events = events_store(batch.events, batch.now)
    batch.result.duplicates += len(batch.fixes) - len(new_fixes)
    batch.result.duplicates += len(batch.events) - len(new_events)
    batch.result.accepted = len(new_fixes) + len(new_events)
    # Only what was new goes further: a resend changes no state and raises nothing.
    batch.fixes = new_fixes
    batch.events = new_events


def update_last_position(batch: Batch) -> None:
    newest: dict[int, Fix] = {}
    for fix in batch.fixes:  # time order: the last one wins
        if not fix.flags & FLAG_JUMP:
            newest[fix.participant_id] = fix
    for fix in batch.fixes:
        state = batch.states[fix.device_id]
        state.participant_id = fix.participant_id
        if fix.flags & FLAG_JUMP:
            continue
        if state.last_fix_time is None or fix.time > state.last_fix_time:
            state.last_fix_time, state.last_lat, state.last_lon = fix.time, fix.lat, fix.lon
            if fix.battery is not None:
                state.battery = fix.battery
    for event in batch.events:
        batch.states[event.device_id].participant_id = event.participant_id
    for state in batch.states.values():
        state.last_contact_at = batch.now
    rows_upsert(
        LastPosition._meta.db_table,
        LAST_POSITION_COLUMNS,
        "participant_id",
        [
            (pid, f.device_id, f.time, f.lat, f.lon, f.accuracy, f.battery, batch.now)
            for pid, f in newest.items()
        ],
        only_if_newer="fix_time",
    )


def run_detectors(batch: Batch) -> None:
    for detector in DETECTORS:
        detector(batch)
    rows_upsert(
        DeviceState._meta.db_table,
        HEALTH_COLUMNS,
        "device_id",
        [tuple(getattr(h, c) for c in HEALTH_COLUMNS) for h in batch.states.values()],
    )


def raise_alerts(batch: Batch) -> None:
    if not batch.signals:
        return
    outcome = alert_raise_many(actor=SYSTEM, signals=batch.signals)
    batch.result.alerts = len(outcome.created) + len(outcome.updated)
    if batch.keep:
        # Positions cited as evidence survive the retention purge.
        from atd.telemetry.services import positions_keep

        positions_keep(batch.keep)


def write_dead_letters(batch: Batch) -> None:
    rejected = batch.result.rejected
    if not rejected:
        return
    DeadLetter.objects.bulk_create(
        [
            DeadLetter(
                received_at=batch.now,
                via=batch.via,
                device_serial=r.serial[:64],
                reason=r.reason,
                detail=r.detail,
                payload=payload_without_secret(r.payload),
            )
            for r in rejected
        ],
        batch_size=1000,
    )


STEPS: tuple[Callable[[Batch], None], ...] = (
    decode,
    authenticate,
    validate,
    deduplicate,
    order_by_event_time,
    load_device_state,
    mark_jumps,
    store,
    update_last_position,
    run_detectors,
    raise_alerts,
    write_dead_letters,
)


def payload_without_secret(payload: Any) -> Any:
    if isinstance(payload, dict) and ("key" in payload or "password" in payload):
        return {k: v for k, v in payload.items() if k not in {"key", "password"}}
    return payload


def pipeline_run(
    *, submissions: Sequence[Submission], via: str, actor: Any = None, audit: bool = True
) -> IngestResult:
    """Runs every step in one transaction and writes one audit entry for the batch."""
    batch = Batch(via=via, now=clock.now(), config=telemetry_config(), submissions=submissions)
    with transaction.atomic():
        for step in STEPS:
            step(batch)
        if audit:
            devices = sorted({d.id for d in batch.devices.values()})
            result = batch.result
            audit_record(
                actor=actor,
                action="telemetry.ingest",
                object_type="device",
                # The audit index holds ~2.7 kB: name the first devices, count them all.
                object_ids=devices[:100],
                reason=f"{via}: {len(devices)} device(s), {result.accepted} accepted, "
                f"{result.duplicates} duplicate, "
                f"{len(result.rejected)} rejected, {result.alerts} alert(s)",
            )
    return batch.result
