"""Reads of supervision plans, zones and curfews, as plain values for other apps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from atd.supervision.models import CurfewWindow, Plan, Zone
from atd.supervision.rules import CurfewSpec, ZoneSpec


def zones_for_participants(participant_ids: Iterable[int]) -> dict[int, list[ZoneSpec]]:
    out: dict[int, list[ZoneSpec]] = defaultdict(list)
    ids = list(set(participant_ids))
    for start in range(0, len(ids), 900):
        for z in Zone.objects.filter(participant_id__in=ids[start : start + 900], is_active=True):
            out[z.participant_id].append(
                ZoneSpec(
                    id=z.pk,
                    participant_id=z.participant_id,
                    kind=z.kind,
                    purpose=z.purpose,
                    center_lat=z.center_lat,
                    center_lon=z.center_lon,
                    radius_m=z.radius_m,
                    polygon=z.polygon,
                )
            )
    return dict(out)


def curfews_for_participants(participant_ids: Iterable[int]) -> dict[int, list[CurfewSpec]]:
    out: dict[int, list[CurfewSpec]] = defaultdict(list)
    ids = list(set(participant_ids))
    for start in range(0, len(ids), 900):
        for c in CurfewWindow.objects.filter(
            participant_id__in=ids[start : start + 900], is_active=True
        ):
            out[c.participant_id].append(
                CurfewSpec(
                    id=c.pk,
                    participant_id=c.participant_id,
                    zone_id=c.zone_id,
                    weekdays=tuple(c.weekdays),
                    start=c.start,
                    end=c.end,
                    timezone=c.timezone,
                )
            )
    return dict(out)


def plan_current(participant_id: int) -> Plan | None:
    return Plan.objects.filter(participant_id=participant_id, is_active=True).first()
