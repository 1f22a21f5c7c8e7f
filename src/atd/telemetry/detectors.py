"""Detectors: each reads the batch's new fixes and events (in event-time order) and appends
AlertSignals; `pipeline.raise_alerts` raises them all in the batch's transaction.

Every signal carries evidence an officer needs to tell a device fault from non-compliance:
the last known positions and the device's health (battery, charging, last contact).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings

from atd.alerts.services import AlertSignal
from atd.supervision.rules import CurfewSpec, curfew_active_at
from atd.supervision.selectors import curfews_for_participants, zones_for_participants
from atd.telemetry.models import DetectorState, Position
from atd.telemetry.rules.memory import (
    ViolationState,
    battery_alert_kind,
    battery_level,
    violation_step,
)
from atd.telemetry.rules.records import Fix
from atd.telemetry.rules.zones import (
    INSIDE,
    OUTSIDE,
    ZoneShape,
    classify,
    signed_distances,
    zone_shape,
)

if TYPE_CHECKING:
    from atd.telemetry.pipeline import Batch

SOURCE = "telemetry"
FLAG_JUMP = 1


def _fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "time": fix.time.isoformat(),
        "lat": fix.lat,
        "lon": fix.lon,
        "accuracy_m": fix.accuracy,
        "battery": fix.battery,
    }


def _evidence(batch: Batch, device_id: int, recent: list[Fix]) -> dict[str, Any]:
    state = batch.states.get(device_id)
    for fix in recent:
        batch.keep.add((fix.device_id, fix.time))
    return {
        "positions": [_fix_json(f) for f in recent],
        "device": {
            "device_id": device_id,
            "battery": state.battery if state else None,
            "charging": state.charging if state else None,
            "last_contact_at": state.last_contact_at.isoformat() if state else None,
            "last_fix_time": state.last_fix_time.isoformat()
            if state and state.last_fix_time
            else None,
        },
    }


def _recent_fixes(batch: Batch) -> Callable[[int, datetime], list[Fix]]:
    """participant -> their last 5 good fixes at or before a moment (for evidence)."""
    by_participant: dict[int, list[Fix]] = defaultdict(list)
    for fix in batch.fixes:
        if not fix.flags & FLAG_JUMP:
            by_participant[fix.participant_id].append(fix)

    def recent(participant_id: int, at: datetime) -> list[Fix]:
        fixes = [f for f in by_participant.get(participant_id, []) if f.time <= at][-5:]
        if len(fixes) < 5:
            # An event on its own (a tamper after the fixes were sent): cite the stored track.
            earliest = fixes[0].time if fixes else at
            stored = (
                Position.objects.filter(
                    participant_id=participant_id, fix_time__lte=earliest, flags=0
                )
                .exclude(fix_time=earliest)
                .order_by("-fix_time")[: 5 - len(fixes)]
            )
            older = [
                Fix(
                    -1,
                    "",
                    None,
                    p.fix_time,
                    p.lat,
                    p.lon,
                    p.seq,
                    p.accuracy_m,
                    battery=p.battery,
                    device_id=p.device_id,
                    participant_id=participant_id,
                )
                for p in stored
            ]
            fixes = older[::-1] + fixes
        return fixes

    return recent


def tamper(batch: Batch) -> None:
    """Strap opened or device removed: critical, one alert event per device event."""
    recent = _recent_fixes(batch)
    for event in batch.events:
        state = batch.states[event.device_id]
        if event.kind in {"strap_open", "device_removed"}:
            state.strap_open = True
            batch.signals.append(
                AlertSignal(
                    kind="strap_tamper",
                    occurred_at=event.time,
                    source=SOURCE,
                    source_ref=f"tamper:{event.device_id}:{event.kind}:{event.time.isoformat()}",
                    participant_id=event.participant_id,
                    detail={"event": event.kind, "device_id": event.device_id},
                    evidence=_evidence(
                        batch, event.device_id, recent(event.participant_id, event.time)
                    ),
                )
            )
        elif event.kind == "strap_closed":
            state.strap_open = False


def battery(batch: Batch) -> None:
    """Low and critical battery, raised on the way down only (with hysteresis on the way up)."""
    cfg = batch.config
    readings: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
    for fix in batch.fixes:
        if fix.battery is not None:
            readings[fix.device_id].append((fix.time, fix.battery, fix.participant_id))
    for event in batch.events:
        if event.kind == "battery" and event.value is not None:
            readings[event.device_id].append((event.time, int(event.value), event.participant_id))
    recent = _recent_fixes(batch)
    for device_id, items in readings.items():
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
            batch.signals.append(
                AlertSignal(
                    kind=kind,
                    occurred_at=at,
                    source=SOURCE,
                    source_ref=f"{kind}:{device_id}:{at.isoformat()}",
                    participant_id=participant_id,
                    detail={"battery": percent, "device_id": device_id},
                    evidence=_evidence(batch, device_id, recent(participant_id, at)),
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
    for fix in batch.fixes:
        if fix.charging is not None:
            changes.append((fix.time, fix.device_id, fix.participant_id, fix.charging))
    changes.sort(key=lambda c: c[0])
    recent = _recent_fixes(batch)
    for at, device_id, participant_id, on in changes:
        state = batch.states[device_id]
        if state.charging == on:
            continue
        was_known = state.charging is not None
        state.charging = on
        if not was_known and not on:
            continue  # first report of "not charging" is no change
        batch.signals.append(
            AlertSignal(
                kind="charging",
                occurred_at=at,
                source=SOURCE,
                source_ref=f"charging:{device_id}:{at.isoformat()}",
                participant_id=participant_id,
                title="Charging started" if on else "Charging stopped",
                detail={"charging": on, "device_id": device_id},
                evidence=_evidence(batch, device_id, recent(participant_id, at)),
            )
        )


# Zones and curfews per participant, with their shapes built, kept for a short time: loading
# them for every participant of every batch was a third of the pipeline's cost. A zone change
# is enforced within ATD_TELEMETRY_ZONE_CACHE_S seconds (0 in tests: always fresh).
_zone_cache: dict[int, tuple[float, list[Any], list[CurfewSpec]]] = {}


def _shape(zone: Any) -> ZoneShape:
    return zone_shape(
        zone.id,
        zone.kind,
        center_lat=zone.center_lat,
        center_lon=zone.center_lon,
        radius_m=zone.radius_m,
        polygon=zone.polygon,
    )


def zones_cached(participant_ids: set[int]) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """participant -> [(ZoneSpec, ZoneShape)], participant -> [CurfewSpec]."""
    ttl = settings.ATD_TELEMETRY_ZONE_CACHE_S
    now = time.monotonic()
    stale = {p for p in participant_ids if p not in _zone_cache or now - _zone_cache[p][0] > ttl}
    if stale:
        zones = zones_for_participants(stale)
        curfews = curfews_for_participants(stale)
        if len(_zone_cache) > 500_000:
            _zone_cache.clear()
        for pid in stale:
            shaped = [(z, _shape(z)) for z in zones.get(pid, [])]
            _zone_cache[pid] = (now, shaped, curfews.get(pid, []))
    zone_out: dict[int, list[Any]] = {}
    curfew_out: dict[int, list[Any]] = {}
    for pid in participant_ids:
        _, shaped, cf = _zone_cache[pid]
        if shaped:
            zone_out[pid] = shaped
            curfew_out[pid] = cf
    return zone_out, curfew_out


def zones_and_curfews(batch: Batch) -> None:
    """Inclusion-zone exit, exclusion-zone entry and curfew violations.

    A zone named by a curfew is enforced only while that curfew is active; other inclusion
    zones form one area the participant must stay inside (outside all of them = exit); each
    exclusion zone is enforced on its own. A verdict needs the fix to be beyond the edge by
    more than its accuracy, and an alert needs the violation to persist (N fixes or M minutes).
    """
    fixes = [f for f in batch.fixes if not f.flags & FLAG_JUMP]
    if not fixes:
        return
    participant_ids = {f.participant_id for f in fixes}
    shaped, curfews = zones_cached(participant_ids)
    if not shaped:
        return
    zones = {pid: [z for z, _ in items] for pid, items in shaped.items()}
    # 1. every (fix, zone) pair, evaluated in one vectorised call. A fix's pairs are contiguous
    #    (its participant's zones in order), so offsets replace per-pair dictionaries.
    pair_fix: list[int] = []
    pair_shape: list[ZoneShape] = []
    offsets: list[int] = []
    for i, fix in enumerate(fixes):
        offsets.append(len(pair_fix))
        items = shaped.get(fix.participant_id)
        if items:
            pair_fix.extend([i] * len(items))
            pair_shape.extend(shape for _, shape in items)
    if not pair_fix:
        return
    idx = np.asarray(pair_fix, dtype=np.int64)
    lats = np.fromiter((f.lat for f in fixes), dtype=np.float64, count=len(fixes))
    lons = np.fromiter((f.lon for f in fixes), dtype=np.float64, count=len(fixes))
    accs = np.fromiter((f.accuracy or 0.0 for f in fixes), dtype=np.float64, count=len(fixes))
    verdicts = classify(signed_distances(pair_shape, lats[idx], lons[idx]), accs[idx]).tolist()
    # 2. per participant, once: which zone positions are exclusions, free inclusions, curfews
    plans: dict[int, tuple[list[tuple[int, str]], list[int], list[tuple[int, Any]]]] = {}
    for pid, zs in zones.items():
        p_curfews = curfews.get(pid, [])
        curfew_zone_ids = {c.zone_id for c in p_curfews}
        position = {z.id: k for k, z in enumerate(zs)}
        plans[pid] = (
            [(k, f"zone:{z.id}") for k, z in enumerate(zs) if z.kind == "exclusion"],
            [k for k, z in enumerate(zs) if z.kind != "exclusion" and z.id not in curfew_zone_ids],
            [(position[c.zone_id], c) for c in p_curfews if c.zone_id in position],
        )
    # 3. per fix: its verdict for each rule key
    observations: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for i, fix in enumerate(fixes):
        pid = fix.participant_id
        plan = plans.get(pid)
        if plan is None:
            continue
        base = offsets[i]
        exclusions, free, p_curfews = plan
        for k, key in exclusions:
            observations[(pid, key)].append((i, -verdicts[base + k]))
        if free:
            vs = [verdicts[base + k] for k in free]
            # outside every free inclusion zone = violating; inside any = compliant
            combined = -1 if INSIDE in vs else (1 if all(v == OUTSIDE for v in vs) else 0)
            observations[(pid, "zones:inclusion")].append((i, combined))
        for k, curfew in p_curfews:
            v = verdicts[base + k] if curfew_active_at(curfew, fix.time) else -1
            observations[(pid, f"curfew:{curfew.id}")].append((i, v))
    _persist_and_signal(batch, fixes, observations, zones, curfews)


def _persist_and_signal(
    batch: Batch,
    fixes: list[Fix],
    observations: dict[tuple[int, str], list[tuple[int, int]]],
    zones: dict[int, list[Any]],
    curfews: dict[int, list[CurfewSpec]],
) -> None:
    rule = batch.config.persistence
    pids = {pid for pid, _ in observations}
    stored = {
        (s.participant_id, s.rule_key): s
        for s in DetectorState.objects.filter(participant_id__in=pids)
    }
    recent = _recent_fixes(batch)
    zone_by_id = {z.id: z for zs in zones.values() for z in zs}
    curfew_by_id = {c.id: c for cs in curfews.values() for c in cs}
    to_save: list[DetectorState] = []
    to_delete: list[int] = []
    for (pid, key), items in observations.items():
        row = stored.get((pid, key))
        if row is None and all(v < 0 for _, v in items):
            continue  # compliant all along and nothing remembered: nothing to do
        state = (
            ViolationState(row.violating_since, row.count, row.alerted, row.last_fix_time)
            if row is not None
            else ViolationState()
        )
        late_state = ViolationState()  # fixes older than the stored memory replay on their own
        for fix_i, verdict in items:
            fix = fixes[fix_i]
            if state.last_fix_time is not None and fix.time <= state.last_fix_time:
                late_state, fire = violation_step(late_state, verdict, fix.time, rule)
                since = late_state.since
            else:
                state, fire = violation_step(state, verdict, fix.time, rule)
                since = state.since
            if fire and since is not None:
                batch.signals.append(
                    _zone_signal(batch, key, pid, fix, since, recent, zone_by_id, curfew_by_id)
                )
        clean = state.since is None and not state.alerted
        if clean:
            # A compliant rule needs no memory: a missing row means exactly that.
            if row is not None:
                to_delete.append(row.pk)
            continue
        if row is None:
            row = DetectorState(participant_id=pid, rule_key=key)
        row.violating_since, row.count = state.since, state.count or 0
        row.alerted, row.last_fix_time = state.alerted, state.last_fix_time
        to_save.append(row)
    if to_delete:
        DetectorState.objects.filter(pk__in=to_delete).delete()
    DetectorState.objects.bulk_create(
        to_save,
        update_conflicts=True,
        unique_fields=["participant", "rule_key"],
        update_fields=["violating_since", "count", "alerted", "last_fix_time"],
        batch_size=1000,
    )


def _zone_signal(
    batch: Batch,
    key: str,
    pid: int,
    fix: Fix,
    since: datetime,
    recent: Callable[[int, datetime], list[Fix]],
    zone_by_id: dict[int, Any],
    curfew_by_id: dict[int, CurfewSpec],
) -> AlertSignal:
    family, _, ident = key.partition(":")
    detail: dict[str, Any] = {"rule": key, "since": since.isoformat(), "device_id": fix.device_id}
    if family == "curfew":
        kind = "curfew"
        curfew = curfew_by_id.get(int(ident))
        if curfew is not None:
            detail.update(zone_id=curfew.zone_id, curfew_id=curfew.id)
    elif family == "zone":
        kind = "zone_entry"
        zone = zone_by_id.get(int(ident))
        detail.update(zone_id=int(ident), zone_name=getattr(zone, "purpose", ""))
    else:
        kind = "zone_exit"
    evidence = _evidence(batch, fix.device_id, recent(pid, fix.time))
    evidence["rule"] = detail
    return AlertSignal(
        kind=kind,
        occurred_at=fix.time,
        source=SOURCE,
        source_ref=f"{key}:{pid}:{since.isoformat()}",
        participant_id=pid,
        detail=detail,
        evidence=evidence,
    )


DETECTORS: tuple[Callable[[Batch], None], ...] = (tamper, battery, charging, zones_and_curfews)
