"""Pure console rules: how to even out caseloads between officers; a fleet map dot's state."""

from __future__ import annotations

from datetime import timedelta


def rebalance_plan(loads: dict[int, int], *, tolerance: int = 1) -> list[tuple[int, int, int]]:
    """Moves (from officer, to officer, cases) that bring every officer within `tolerance` of
    the others, moving as few cases as possible: repeatedly the busiest gives to the idlest."""
    current = dict(loads)
    moves: dict[tuple[int, int], int] = {}
    if len(current) < 2:
        return []
    for _ in range(sum(current.values()) + 1):
        busiest = max(current, key=lambda k: (current[k], -k))
        idlest = min(current, key=lambda k: (current[k], k))
        gap = current[busiest] - current[idlest]
        if gap <= tolerance:
            break
        n = gap // 2
        current[busiest] -= n
        current[idlest] += n
        moves[(busiest, idlest)] = moves.get((busiest, idlest), 0) + n
    return [(a, b, n) for (a, b), n in moves.items()]


def fleet_state(*, open_alert: bool, fix_age: timedelta, no_signal_after: timedelta) -> str:
    """A dot on the fleet map: "alert" while an alert waits for acknowledgement, else
    "no_signal" once the last fix is older than the device kind's no-signal limit, else "ok"."""
    if open_alert:
        return "alert"
    if fix_age > no_signal_after:
        return "no_signal"
    return "ok"
