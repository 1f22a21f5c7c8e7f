"""What every signal carries: the participant's last good positions and the device health."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from atd.telemetry.models import Position
from atd.telemetry.rules.columns import micros_of
from atd.telemetry.rules.records import Fix

if TYPE_CHECKING:
    from atd.telemetry.batch import Batch

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


def evidence_of(
    batch: Batch, device_id: int, recent: list[Fix]
) -> tuple[dict[str, Any], set[tuple[int, datetime]]]:
    """The evidence of a signal, and the (device, fix time) keys of the positions it cites:
    the detector adds them to the batch's `keep`, so the retention purge spares them."""
    state = batch.states.get(device_id)
    cited = {(fix.device_id, fix.time) for fix in recent}
    evidence = {
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
    return evidence, cited


def recent_fixes(batch: Batch) -> Callable[[int, datetime], list[Fix]]:
    """participant -> their last 5 good fixes at or before a moment (for evidence). Signals
    are few, so a participant's rows are found when first asked for."""
    fixes = batch.fixes
    good = (fixes.flags & FLAG_JUMP) == 0
    rows_of: dict[int, np.ndarray] = {}

    def recent(participant_id: int, at: datetime) -> list[Fix]:
        rows = rows_of.get(participant_id)
        if rows is None:
            rows = rows_of[participant_id] = np.flatnonzero(
                good & (fixes.participant_id == participant_id)
            )
        upto = rows[fixes.time_us[rows] <= micros_of(at)][-5:]
        chosen = [fixes.fix(int(r)) for r in upto]
        if len(chosen) < 5:
            # An event on its own (a tamper after the fixes were sent): cite the stored track.
            earliest = chosen[0].time if chosen else at
            stored = (
                Position.objects.filter(
                    participant_id=participant_id, fix_time__lte=earliest, flags=0
                )
                .exclude(fix_time=earliest)
                .order_by("-fix_time")[: 5 - len(chosen)]
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
            chosen = older[::-1] + chosen
        return chosen

    return recent
