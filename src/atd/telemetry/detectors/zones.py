"""Zone and curfew detector: inclusion-zone exit, exclusion-zone entry, curfew violations.

Every (fix, zone) pair of a batch is evaluated in bulk (numpy, shapely 2), every curfew window
for every fix in bulk (rules/curfews.py), and only the rules that saw a violation or an
ambiguous fix, or that remember one, step through the persistence state machine in Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings

from atd.alerts.services import AlertSignal
from atd.alerts.types import AlertKind
from atd.supervision.selectors import (
    curfews_for_participants,
    zones_for_participants,
    zones_signature,
)
from atd.supervision.types import CurfewSpec
from atd.telemetry.detectors.evidence import FLAG_JUMP, SOURCE, evidence_of, recent_fixes
from atd.telemetry.models import DetectorState
from atd.telemetry.rules.columns import FixColumns, runs
from atd.telemetry.rules.curfews import curfew_arrays, curfews_active
from atd.telemetry.rules.memory import ViolationState, violation_step
from atd.telemetry.rules.records import Fix
from atd.telemetry.rules.zones import (
    INSIDE,
    OUTSIDE,
    ZoneShape,
    classify,
    signed_distances_at,
    zone_arrays,
    zone_shape,
)
from atd.telemetry.store import rows_by_key

if TYPE_CHECKING:
    from atd.telemetry.batch import Batch

# Zones and curfews per participant, with their shapes built. Loading them for every
# participant of every batch was a third of the pipeline's cost. The cache is checked against
# `supervision.zones_signature()` at most once a second (a created or deactivated zone or
# curfew empties it), and an entry older than ATD_TELEMETRY_ZONE_CACHE_S is reloaded anyway (a
# backstop for changes made outside the services); 0 (tests) means no cache.
_zone_cache: dict[int, tuple[float, list[Any], list[CurfewSpec]]] = {}
_zone_cache_signature: list[Any] = [None]
_zone_cache_checked: list[float] = [-1e9]
ZONE_SIGNATURE_EVERY_S = 1.0  # the signature costs ~20 ms; a zone change is enforced within 1 s


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
    if ttl > 0:
        if now - _zone_cache_checked[0] >= ZONE_SIGNATURE_EVERY_S:
            signature = zones_signature()
            _zone_cache_checked[0] = now
            if signature != _zone_cache_signature[0]:
                _zone_cache.clear()
                _zone_cache_signature[0] = signature
    else:
        _zone_cache.clear()
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
    if ttl <= 0:
        _zone_cache.clear()
    return zone_out, curfew_out


# Rule kinds, in the order a fix's observations are made (the order signals are raised in).
_EXCLUSION, _INCLUSION, _CURFEW = 0, 1, 2


def zones_and_curfews(batch: Batch) -> None:
    """A zone named by a curfew is enforced only while that curfew is active; other inclusion
    zones form one area the participant must stay inside (outside all of them = exit); each
    exclusion zone is enforced on its own. A verdict needs the fix to be beyond the edge by
    more than its accuracy, and an alert needs the violation to persist (N fixes or M minutes).
    """
    fixes = batch.fixes.take((batch.fixes.flags & FLAG_JUMP) == 0)
    if not len(fixes):
        return
    shaped, curfews = zones_cached(set(fixes.participant_id.tolist()))
    if not shaped:
        return
    # 1. the zone table of this batch: participant k's zones are rows zstart[k]..+zcount[k]
    people = np.asarray(sorted(shaped), dtype=np.int64)
    zstart = np.zeros(people.shape[0], dtype=np.int64)
    zcount = np.zeros(people.shape[0], dtype=np.int64)
    specs: list[Any] = []
    shapes: list[ZoneShape] = []
    curfew_rows: list[tuple[int, int, CurfewSpec]] = []  # (person k, zone row, curfew)
    for k, pid in enumerate(people.tolist()):
        zstart[k] = len(specs)
        zcount[k] = len(shaped[pid])
        position = {}
        for z, shape in shaped[pid]:
            position[z.id] = len(specs)
            specs.append(z)
            shapes.append(shape)
        for c in curfews.get(pid, []):
            if c.zone_id in position:
                curfew_rows.append((k, position[c.zone_id], c))
    zones = zone_arrays(shapes)
    curfew_zone_ids = {c.zone_id for _, _, c in curfew_rows}
    exclusion = np.fromiter((z.kind == "exclusion" for z in specs), dtype=bool, count=len(specs))
    free = np.fromiter(
        (z.kind != "exclusion" and z.id not in curfew_zone_ids for z in specs), bool, len(specs)
    )
    # 2. every (fix, zone) pair in one vectorised call; a fix's pairs are contiguous
    where = np.searchsorted(people, fixes.participant_id)
    where = np.minimum(where, people.shape[0] - 1)
    has = people[where] == fixes.participant_id
    counts = np.where(has, zcount[where], 0)
    pair_fix = np.repeat(np.arange(len(fixes)), counts)
    offsets = np.cumsum(counts) - counts
    pair_zone = zstart[where][pair_fix] + (np.arange(pair_fix.shape[0]) - offsets[pair_fix])
    accuracy = np.nan_to_num(fixes.accuracy, nan=0.0)
    verdicts = classify(
        signed_distances_at(zones, pair_zone, fixes.lat[pair_fix], fixes.lon[pair_fix]),
        accuracy[pair_fix],
    ).astype(np.int64)
    # 3. observations (rule, fix, verdict); rule ids: zone row (exclusion), Z + person
    #    (free inclusion area), Z + P + curfew row
    n_zones, n_people = len(specs), people.shape[0]
    parts_rule, parts_fix, parts_verdict = [], [], []
    excl = exclusion[pair_zone]
    parts_rule.append(pair_zone[excl])
    parts_fix.append(pair_fix[excl])
    parts_verdict.append(-verdicts[excl])
    in_free = free[pair_zone]
    n_free = np.bincount(pair_fix[in_free], minlength=len(fixes))
    n_in = np.bincount(pair_fix[in_free & (verdicts == INSIDE)], minlength=len(fixes))
    n_out = np.bincount(pair_fix[in_free & (verdicts == OUTSIDE)], minlength=len(fixes))
    with_free = np.flatnonzero(n_free > 0)
    combined = np.where(
        n_in[with_free] > 0, -1, np.where(n_out[with_free] == n_free[with_free], 1, 0)
    )
    parts_rule.append(n_zones + where[with_free])
    parts_fix.append(with_free)
    parts_verdict.append(combined)
    if curfew_rows:
        # (fix, curfew) pairs like the zone pairs: person k's curfews are contiguous rows
        cstart = np.zeros(n_people, dtype=np.int64)
        ccount = np.zeros(n_people, dtype=np.int64)
        for c_row, (k, _, _) in enumerate(curfew_rows):
            if ccount[k] == 0:
                cstart[k] = c_row
            ccount[k] += 1
        c_counts = np.where(has, ccount[where], 0)
        cpair_fix = np.repeat(np.arange(len(fixes)), c_counts)
        c_offsets = np.cumsum(c_counts) - c_counts
        cpair_row = cstart[where][cpair_fix] + (
            np.arange(cpair_fix.shape[0]) - c_offsets[cpair_fix]
        )
        masks, c_starts, c_ends, timezones = curfew_arrays([c for _, _, c in curfew_rows])
        active = curfews_active(
            weekday_masks=masks,
            starts=c_starts,
            ends=c_ends,
            timezones=timezones,
            which=cpair_row,
            time_us=fixes.time_us[cpair_fix],
        )
        zone_row = np.array([z for _, z, _ in curfew_rows], dtype=np.int64)[cpair_row]
        zone_verdict = verdicts[offsets[cpair_fix] + (zone_row - zstart[where][cpair_fix])]
        parts_rule.append(n_zones + n_people + cpair_row)
        parts_fix.append(cpair_fix)
        parts_verdict.append(np.where(active, zone_verdict, -1))
    rule = np.concatenate(parts_rule).astype(np.int64)
    fix_of = np.concatenate(parts_fix).astype(np.int64)
    verdict = np.concatenate(parts_verdict).astype(np.int64)

    def describe(r: int) -> tuple[int, str, int]:
        """rule id -> (participant, rule key, kind)"""
        if r < n_zones:
            return specs[r].participant_id, f"zone:{specs[r].id}", _EXCLUSION
        if r < n_zones + n_people:
            return int(people[r - n_zones]), "zones:inclusion", _INCLUSION
        curfew = curfew_rows[r - n_zones - n_people][2]
        return curfew.participant_id, f"curfew:{curfew.id}", _CURFEW

    _persist_and_signal(batch, fixes, rule, fix_of, verdict, describe, specs, curfew_rows)


def _persist_and_signal(
    batch: Batch,
    fixes: FixColumns,
    rule: np.ndarray,
    fix_of: np.ndarray,
    verdict: np.ndarray,
    describe: Callable[[int], tuple[int, str, int]],
    specs: list[Any],
    curfew_rows: list[tuple[int, int, CurfewSpec]],
) -> None:
    persistence = batch.config.persistence
    pids = set(fixes.participant_id.tolist())
    stored = {
        (r[1], r[2]): r
        for r in rows_by_key(
            DetectorState,
            ("id", "participant_id", "rule_key", "violating_since", "count", "alerted")
            + ("last_fix_time",),
            "participant_id",
            pids,
        )
    }
    # A rule needs the state machine if it saw a non-compliant verdict or remembers something;
    # a rule compliant all along with nothing remembered changes nothing (the usual case).
    order = np.lexsort((fix_of, rule))
    rule, fix_of, verdict = rule[order], fix_of[order], verdict[order]
    starts, ends = runs(rule)
    flagged = np.maximum.reduceat(verdict, starts) >= 0 if rule.size else np.zeros(0, bool)
    remembered = {key for key in stored}
    work: list[tuple[tuple[int, int, int], int, str, int, int]] = []
    for g, (lo, hi) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        pid, key, kind = describe(int(rule[lo]))
        if not flagged[g] and (pid, key) not in remembered:
            continue
        # the original order: by first fix, then exclusions, inclusion area, curfews
        work.append(((int(fix_of[lo]), kind, int(rule[lo])), pid, key, lo, hi))
    work.sort(key=lambda w: w[0])
    recent = recent_fixes(batch)
    zone_by_id = {z.id: z for z in specs}
    curfew_by_id = {c.id: c for _, _, c in curfew_rows}
    to_save: list[DetectorState] = []
    to_delete: list[int] = []
    for _, pid, key, lo, hi in work:
        row = stored.get((pid, key))
        state = ViolationState(*row[3:]) if row is not None else ViolationState()
        late_state = ViolationState()  # fixes older than the stored memory replay on their own
        for fix_i, v in zip(fix_of[lo:hi].tolist(), verdict[lo:hi].tolist(), strict=True):
            at = fixes.time_of(fix_i)
            if state.last_fix_time is not None and at <= state.last_fix_time:
                late_state, fire = violation_step(late_state, v, at, persistence)
                since = late_state.since
            else:
                state, fire = violation_step(state, v, at, persistence)
                since = state.since
            if fire and since is not None:
                batch.signals.append(
                    _zone_signal(
                        batch, key, pid, fixes.fix(fix_i), since, recent, zone_by_id, curfew_by_id
                    )
                )
        clean = state.since is None and not state.alerted
        if clean:
            # A compliant rule needs no memory: a missing row means exactly that.
            if row is not None:
                to_delete.append(row[0])
            continue
        to_save.append(
            DetectorState(
                participant_id=pid,
                rule_key=key,
                violating_since=state.since,
                count=state.count or 0,
                alerted=state.alerted,
                last_fix_time=state.last_fix_time,
            )
        )
    if to_delete:
        DetectorState.objects.filter(pk__in=to_delete).delete()
    if to_save:
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
        kind = AlertKind.CURFEW
        curfew = curfew_by_id.get(int(ident))
        if curfew is not None:
            detail.update(zone_id=curfew.zone_id, curfew_id=curfew.id)
    elif family == "zone":
        kind = AlertKind.ZONE_ENTRY
        zone = zone_by_id.get(int(ident))
        detail.update(zone_id=int(ident), zone_name=getattr(zone, "purpose", ""))
    else:
        kind = AlertKind.ZONE_EXIT
    cited_evidence, cited = evidence_of(batch.states.get(fix.device_id), recent(pid, fix.time))
    batch.keep |= cited
    evidence = replace(cited_evidence, facts={"rule": dict(detail)})
    return AlertSignal(
        kind=kind,
        occurred_at=fix.time,
        source=SOURCE,
        source_ref=f"{key}:{pid}:{since.isoformat()}",
        participant_id=pid,
        detail=detail,
        evidence=evidence,
    )
