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

import gc
import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction

from atd.alerts.services import alert_raise_many
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record
from atd.devices.selectors import device_secret_matches, devices_for_ingest
from atd.telemetry.batch import (
    HEALTH_COLUMNS,
    Batch,
    Health,
    IngestResult,
    Submission,
)
from atd.telemetry.config import telemetry_config
from atd.telemetry.detectors import DETECTORS
from atd.telemetry.models import DeadLetter, DeviceState, LastPosition
from atd.telemetry.rules.columns import (
    columns_concat,
    columns_from_fixes,
    first_of_each_key,
    micros_of,
    moment_of,
    records_to_columns,
    value_problems,
)
from atd.telemetry.rules.jumps import jumps_mark_columns
from atd.telemetry.rules.movement import Anchor
from atd.telemetry.rules.records import (
    Event,
    Fix,
    RecordProblem,
    motion_reported,
    record_decode,
    record_time_problem,
)
from atd.telemetry.rules.storable import dead_letter_form, text_escaped
from atd.telemetry.store import (
    events_store,
    positions_keep,
    positions_store,
    rows_by_key,
    rows_upsert,
)

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


# --- steps --------------------------------------------------------------------------------


def decode(batch: Batch) -> None:
    """JSON records -> fix columns (plain fixes, in bulk) and Events; anything unusual is
    decoded one record at a time by the reference `record_decode`, which names its problem."""
    serials: list[str | None] = []
    secrets: list[str | None] = []
    for sub in batch.submissions:
        batch.raw.extend(sub.records)
        serials.extend([sub.serial] * len(sub.records))
        secrets.extend([sub.secret] * len(sub.records))
        if sub.trusted:
            batch.trusted_indexes.update(range(len(batch.raw) - len(sub.records), len(batch.raw)))
    bulk, slow = records_to_columns(batch.raw, serials, secrets)
    one_by_one: list[Fix] = []
    for index in slow:
        record = batch.raw[index]
        try:
            item = record_decode(
                index,
                record,
                serial=serials[index],
                secret=secrets[index],
                max_depth=batch.config.max_depth,
            )
        except RecordProblem as problem:
            serial = record.get("device") if isinstance(record, dict) else None
            batch.reject(index, problem, str(serial or serials[index] or ""))
            continue
        except Exception as exc:
            # A decoder bug must not cost the batch its valid records: this one is refused
            # alone and the bug surfaces in the log with the record's position.
            log.exception("record %d of a %s batch could not be decoded", index, batch.via)
            unreadable = RecordProblem("malformed", f"cannot be read ({type(exc).__name__})")
            batch.reject(index, unreadable, str(serials[index] or ""))
            continue
        if isinstance(item, Fix):
            one_by_one.append(item)
        else:
            batch.items.append(item)
    if one_by_one:
        merged = columns_concat([bulk, columns_from_fixes(one_by_one)])
        bulk = merged.take(np.argsort(merged.index, kind="stable"))
    batch.fixes = bulk


def authenticate(batch: Batch) -> None:
    """Every record must come from a known device, with its current secret, worn by someone."""
    fixes = batch.fixes
    batch.devices = devices_for_ingest(set(fixes.serial) | {item.serial for item in batch.items})
    good: dict[tuple[str, str | None], bool] = {}

    def problem_of(serial: str, secret: str | None, index: int) -> RecordProblem | None:
        device = batch.devices.get(serial)
        if device is None:
            return RecordProblem("unknown_device", serial[:64])
        if index not in batch.trusted_indexes:
            key = (serial, secret)
            ok = good.get(key)
            if ok is None:
                ok = good[key] = device_secret_matches(device, secret)
            if not ok:
                return RecordProblem("bad_credential")
        if device.participant_id is None:
            return RecordProblem("unassigned_device")
        return None

    # Fixes: one check per distinct (device, secret, trusted) and a lookup per row.
    trusted = batch.trusted_indexes
    verdicts: dict[tuple[str, str | None, bool], RecordProblem | None] = {}
    rows = zip(fixes.serial, fixes.secret, fixes.index.tolist(), strict=True)
    problems: list[tuple[int, RecordProblem]] = []
    device_ids = np.zeros(len(fixes), dtype=np.int64)
    participant_ids = np.zeros(len(fixes), dtype=np.int64)
    devices = batch.devices
    for row, (serial, secret, index) in enumerate(rows):
        key = (serial, secret, index in trusted)
        if key not in verdicts:
            verdicts[key] = problem_of(serial, secret, index)
        problem = verdicts[key]
        if problem is not None:
            problems.append((row, problem))
            continue
        device = devices[serial]
        device_ids[row] = device.id
        participant_ids[row] = device.participant_id or 0  # problem_of checked it is set
    fixes.device_id, fixes.participant_id = device_ids, participant_ids
    kept: list[Fix | Event] = []
    others: list[tuple[int, RecordProblem, str]] = []
    for item in batch.items:
        problem = problem_of(item.serial, item.secret, item.index)
        if problem is not None:
            others.append((item.index, problem, item.serial))
            continue
        device = batch.devices[item.serial]
        item.device_id = device.id
        item.participant_id = device.participant_id or 0
        kept.append(item)
    batch.items = kept
    batch.drop_fixes(problems, others)


def validate(batch: Batch) -> None:
    cfg = batch.config
    now = batch.now
    latest = now + cfg.future_tolerance
    earliest = now - cfg.max_age
    fixes = batch.fixes
    out_of_range = (fixes.time_us < micros_of(earliest)) | (fixes.time_us > micros_of(latest))
    problems: list[tuple[int, RecordProblem]] = []
    for row in np.flatnonzero(out_of_range).tolist():
        problem = record_time_problem(
            fixes.time_of(row), now=now, future_tolerance=cfg.future_tolerance, max_age=cfg.max_age
        )
        problems.append((row, problem or RecordProblem("bad_time")))
    timed = {row for row, _ in problems}
    problems += [(row, p) for row, p in value_problems(fixes) if row not in timed]
    others: list[tuple[int, RecordProblem, str]] = []
    for item in batch.items:
        if not earliest <= item.time <= latest:
            problem = record_time_problem(
                item.time, now=now, future_tolerance=cfg.future_tolerance, max_age=cfg.max_age
            )
            others.append((item.index, problem or RecordProblem("bad_time"), item.serial))
            continue
        if isinstance(item, Event):
            batch.events.append(item)
    batch.items = []
    batch.drop_fixes(problems, others)


def deduplicate(batch: Batch) -> None:
    """Within the batch; against stored rows the unique keys decide (see store)."""
    first = first_of_each_key(batch.fixes.device_id, batch.fixes.time_us)
    batch.result.duplicates += int((~first).sum())
    if not first.all():
        batch.fixes = batch.fixes.take(first)
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
    order = np.argsort(batch.fixes.time_us, kind="stable")
    batch.fixes = batch.fixes.take(order)
    batch.events.sort(key=lambda e: e.time)


def load_device_state(batch: Batch) -> None:
    ids = set(batch.fixes.device_id.tolist()) | {e.device_id for e in batch.events}
    # Locked until commit: a batch of the same device on another worker waits for this one.
    rows = rows_by_key(DeviceState, HEALTH_COLUMNS, "device_id", ids, for_update=True)
    batch.states = {r[0]: Health(*r) for r in rows}
    for device_id in ids - set(batch.states):
        batch.states[device_id] = Health(device_id, None, batch.now)


def mark_jumps(batch: Batch) -> None:
    anchors: dict[int, Anchor | None] = {}
    for device_id, state in batch.states.items():
        if state.last_fix_time is not None and state.last_lat is not None:
            if state.last_lon is not None:
                anchors[device_id] = Anchor(state.last_fix_time, state.last_lat, state.last_lon)
    jumps = jumps_mark_columns(batch.fixes, anchors, max_speed_mps=batch.config.max_speed_mps)
    batch.fixes.flags = np.where(jumps, batch.fixes.flags | FLAG_JUMP, batch.fixes.flags).astype(
        np.int16
    )


def store(batch: Batch) -> None:
    total_fixes = len(batch.fixes)
    new = positions_store(batch.fixes, batch.now)
    new_events = events_store(batch.events, batch.now)
    # Only what was new goes further: a resend changes no state and raises nothing.
    if not new.all():
        batch.fixes = batch.fixes.take(new)
    batch.result.duplicates += total_fixes - len(batch.fixes)
    batch.result.duplicates += len(batch.events) - len(new_events)
    batch.result.accepted = len(batch.fixes) + len(new_events)
    batch.events = new_events


def _last_rows(keys: np.ndarray) -> np.ndarray:
    """Rows (of an array in time order) that are the last of their key."""
    if keys.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    reversed_keys = keys[::-1]
    _, first = np.unique(reversed_keys, return_index=True)
    return (keys.shape[0] - 1 - first).astype(np.int64)


def _micros_or_min(moment: datetime | None) -> int:
    return -(2**62) if moment is None else micros_of(moment)


def update_last_position(batch: Batch) -> None:
    fixes = batch.fixes
    good = np.flatnonzero((fixes.flags & FLAG_JUMP) == 0)
    for row in np.unique(fixes.device_id, return_index=True)[1].tolist():
        batch.states[int(fixes.device_id[row])].participant_id = int(fixes.participant_id[row])
    # A good fix newer than the device's last fix moves it forward (late data never moves it
    # back); the newest such fix gives the position, the newest that reports it the battery.
    devices, inverse = np.unique(fixes.device_id[good], return_inverse=True)
    before = np.array(
        [_micros_or_min(batch.states[d].last_fix_time) for d in devices.tolist()], dtype=np.int64
    )
    advancing = good[fixes.time_us[good] > before[inverse]]
    for row in advancing[_last_rows(fixes.device_id[advancing])].tolist():
        state = batch.states[int(fixes.device_id[row])]
        state.last_fix_time = fixes.time_of(row)
        state.last_lat, state.last_lon = float(fixes.lat[row]), float(fixes.lon[row])
        accuracy_m = float(fixes.accuracy[row])
        state.accuracy_m = None if math.isnan(accuracy_m) else accuracy_m
        state.moving = motion_reported(fixes.attributes[row])
    with_battery = advancing[~np.isnan(fixes.battery[advancing])]
    for row in with_battery[_last_rows(fixes.device_id[with_battery])].tolist():
        batch.states[int(fixes.device_id[row])].battery = int(fixes.battery[row])
    for event in batch.events:
        batch.states[event.device_id].participant_id = event.participant_id
    for state in batch.states.values():
        state.last_contact_at = batch.now
    newest = good[_last_rows(fixes.participant_id[good])]
    accuracy = fixes.accuracy[newest]
    battery = fixes.battery[newest]
    rows = list(
        zip(
            fixes.participant_id[newest].tolist(),
            fixes.device_id[newest].tolist(),
            [moment_of(t) for t in fixes.time_us[newest].tolist()],
            fixes.lat[newest].tolist(),
            fixes.lon[newest].tolist(),
            [None if math.isnan(a) else a for a in accuracy.tolist()],
            [None if math.isnan(b) else int(b) for b in battery.tolist()],
            [batch.now] * newest.shape[0],
            strict=True,
        )
    )
    rows_upsert(
        LastPosition._meta.db_table,
        LAST_POSITION_COLUMNS,
        "participant_id",
        rows,
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
        positions_keep(batch.keep)


def write_dead_letters(batch: Batch) -> None:
    """Inside the batch's transaction, so it must not fail on content: every field goes
    through rules.storable (escaped text, NaN as a string, raw bytes as text or base64)."""
    rejected = batch.result.rejected
    if not rejected:
        return
    DeadLetter.objects.bulk_create(
        [
            DeadLetter(
                received_at=batch.now,
                via=batch.via,
                device_serial=text_escaped(r.serial)[:64],
                reason=r.reason[:32],
                detail=text_escaped(r.detail)[:300],
                payload=dead_letter_form(payload_without_secret(r.payload)),
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
    # A batch allocates ~10 objects per record and frees them by reference counting; the
    # cyclic collector, triggered by those allocations, would walk every object of the
    # process (all of Django) several times per batch: a third of the pipeline's CPU.
    # It is paused for the batch and resumes after (cycles made meanwhile wait until then).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(batch, via=via, actor=actor, audit=audit)
    finally:
        if collecting:
            gc.enable()


def _run(batch: Batch, *, via: str, actor: Any, audit: bool) -> IngestResult:
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
