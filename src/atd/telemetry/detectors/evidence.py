"""What every signal carries: the participant's last good positions and the device health."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from atd.alerts.types import AlertEvidence, DeviceHealth, EvidencePosition
from atd.telemetry.models import Position
from atd.telemetry.rules.columns import micros_of
from atd.telemetry.rules.records import Fix

if TYPE_CHECKING:
    from atd.telemetry.batch import Batch, Health

SOURCE = "telemetry"
FLAG_JUMP = 1


def evidence_of(
    state: Health | None, recent: list[Fix]
) -> tuple[AlertEvidence, set[tuple[int, datetime]]]:
    """The evidence of a signal (the device's health, the participant's last good fixes) and
    the (device, fix time) keys of the positions it cites: the detector adds them to the
    batch's `keep`, so the retention purge spares them."""
    cited = {(fix.device_id, fix.time) for fix in recent}
    positions = tuple(
        EvidencePosition(at=f.time, lat=f.lat, lon=f.lon, accuracy_m=f.accuracy, battery=f.battery)
        for f in recent
    )
    device = (
        DeviceHealth(
            device_id=state.device_id,
            battery=state.battery,
            battery_level=state.battery_level,
            charging=state.charging,
            strap_open=state.strap_open,
            last_contact_at=state.last_contact_at,
            last_fix_time=state.last_fix_time,
        )
        if state is not None
        else None
    )
    return AlertEvidence(positions=positions, device=device), cited


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
