"""Device detectors: strap tamper, battery levels, charging."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from atd.alerts.services import AlertSignal
from atd.alerts.types import AlertKind
from atd.telemetry.detectors.evidence import SOURCE, evidence_of, recent_fixes
from atd.telemetry.rules.columns import runs
from atd.telemetry.rules.memory import battery_alert_kind, battery_level

if TYPE_CHECKING:
    from atd.telemetry.batch import Batch


def tamper(batch: Batch) -> None:
    """Strap opened or device removed: critical, one alert event per device event."""
    recent = recent_fixes(batch)
    for event in batch.events:
        state = batch.states[event.device_id]
        if event.kind in {"strap_open", "device_removed"}:
            state.strap_open = True
            evidence, cited = evidence_of(state, recent(event.participant_id, event.time))
            batch.keep |= cited
            batch.signals.append(
                AlertSignal(
                    kind=AlertKind.STRAP_TAMPER,
                    occurred_at=event.time,
                    source=SOURCE,
                    source_ref=f"tamper:{event.device_id}:{event.kind}:{event.time.isoformat()}",
                    participant_id=event.participant_id,
                    detail={"event": event.kind, "device_id": event.device_id},
                    evidence=evidence,
                )
            )
        elif event.kind == "strap_closed":
            state.strap_open = False


def battery(batch: Batch) -> None:
    """Low and critical battery, raised on the way down only (with hysteresis on the way up).

    A device whose level is `ok` and whose readings in this batch all stay above the low
    threshold cannot change level: it only records its newest reading. The others (few)
    replay their readings in time order through the level rules."""
    cfg = batch.config
    fixes = batch.fixes
    events: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
    for event in batch.events:
        if event.kind == "battery" and event.value is not None:
            events[event.device_id].append((event.time, int(event.value), event.participant_id))
    rows = np.flatnonzero(~np.isnan(fixes.battery))
    devices = fixes.device_id[rows]
    order = np.argsort(devices, kind="stable")  # by device, time order kept within
    rows, devices = rows[order], devices[order]
    starts, ends = runs(devices)
    lowest = np.minimum.reduceat(fixes.battery[rows], starts) if rows.size else rows
    replay: dict[int, list[tuple[datetime, int, int]]] = {}
    for g, (lo, hi) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        device_id = int(devices[lo])
        state = batch.states[device_id]
        if (state.battery_level or "ok") == "ok" and lowest[g] > cfg.battery_low:
            if device_id not in events:
                state.battery = int(fixes.battery[rows[hi - 1]])
                continue
        replay[device_id] = [
            (fixes.time_of(int(r)), int(fixes.battery[r]), int(fixes.participant_id[r]))
            for r in rows[lo:hi]
        ]
    for device_id, items in events.items():
        replay.setdefault(device_id, []).extend(items)
    if not replay:
        return
    recent = recent_fixes(batch)
    for device_id, items in replay.items():
        items.sort(key=lambda r: r[0])
        state = batch.states[device_id]
        level = state.battery_level or "ok"
        for at, percent, participant_id in items:
            new_level = battery_level(
                percent, low=cfg.battery_low, critical=cfg.battery_critical, previous=level
            )
            kind = battery_alert_kind(level, new_level)
            level = new_level
            if kind is None:
                continue
            evidence, cited = evidence_of(state, recent(participant_id, at))
            batch.keep |= cited
            batch.signals.append(
                AlertSignal(
                    kind=AlertKind(kind),
                    occurred_at=at,
                    source=SOURCE,
                    source_ref=f"{kind}:{device_id}:{at.isoformat()}",
                    participant_id=participant_id,
                    detail={"battery": percent, "device_id": device_id},
                    evidence=evidence,
                )
            )
        state.battery_level = level
        state.battery = items[-1][1]


def charging(batch: Batch) -> None:
    """Charging started/stopped, from explicit events or a change of a fix's charging flag."""
    changes: list[tuple[datetime, int, int, bool]] = []
    for event in batch.events:
        if event.kind in {"charging_started", "charging_stopped"}:
            changes.append(
                (
                    event.time,
                    event.device_id,
                    event.participant_id,
                    event.kind == "charging_started",
                )
            )
    fixes = batch.fixes
    for r in np.flatnonzero(fixes.charging >= 0).tolist():
        changes.append(
            (
                fixes.time_of(r),
                int(fixes.device_id[r]),
                int(fixes.participant_id[r]),
                bool(fixes.charging[r]),
            )
        )
    if not changes:
        return
    changes.sort(key=lambda c: c[0])
    recent = recent_fixes(batch)
    for at, device_id, participant_id, on in changes:
        state = batch.states[device_id]
        if state.charging == on:
            continue
        was_known = state.charging is not None
        state.charging = on
        if not was_known and not on:
            continue  # first report of "not charging" is no change
        evidence, cited = evidence_of(state, recent(participant_id, at))
        batch.keep |= cited
        batch.signals.append(
            AlertSignal(
                kind=AlertKind.CHARGING,
                occurred_at=at,
                source=SOURCE,
                source_ref=f"charging:{device_id}:{at.isoformat()}",
                participant_id=participant_id,
                title="Charging started" if on else "Charging stopped",
                detail={"charging": on, "device_id": device_id},
                evidence=evidence,
            )
        )
