"""The live fleet map: the last position of every participant in the caller's caseload (the
office's for a supervisor), coloured ok / no signal / alert. The page is static; its script
polls the JSON and clusters dense dots itself. Positions are personal data: every JSON read is
audited with the participant ids it returns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from atd.alerts.selectors import participant_ids_with_open_alerts
from atd.console.rules import fleet_state
from atd.core import clock
from atd.core.audit import audit_record
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, scope_for
from atd.people.selectors import office_list, participant_labels_in_scope
from atd.telemetry.selectors import fleet_points

STATES = ("ok", "no_signal", "alert")


def _no_signal_limits() -> dict[str, timedelta]:
    return {
        "gps_ankle": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_GPS_ANKLE),
        "wrist": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_WRIST),
        "smartphone": timedelta(minutes=settings.ATD_NO_SIGNAL_MINUTES_SMARTPHONE),
    }


@login_required
def fleet_map(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, STAFF_CASE_ROLES)
    offices = [
        {"name": o.name, "lat": o.latitude, "lon": o.longitude}
        for o in office_list()
        if o.latitude is not None
        and o.longitude is not None
        and (scope.role == Role.ADMIN or o.pk == scope.office_id)
    ]
    return render(
        request,
        "console/fleet_map.html",
        {
            "offices": offices,
            "poll_seconds": settings.ATD_CONSOLE_POLL_SECONDS,
            "tile_url": settings.ATD_MAP_TILE_URL,
            "whole_office": scope.role in (Role.SUPERVISOR, Role.ADMIN),
        },
    )


@login_required
def fleet_positions(request: HttpRequest) -> JsonResponse:
    """[participant id, lat, lon, state, minutes since the fix, name] per participant."""
    scope = scope_for(request, STAFF_CASE_ROLES)
    now = clock.now()
    points = fleet_points(scope)
    alerting = participant_ids_with_open_alerts(scope)
    labels = participant_labels_in_scope(
        scope=scope, participant_ids=[p.participant_id for p in points]
    )
    limits = _no_signal_limits()
    default_limit = max(limits.values())
    rows: list[list[Any]] = []
    counts = dict.fromkeys(STATES, 0)
    for p in points:
        label = labels.get(p.participant_id)
        if label is None:
            continue  # left scope between the two reads
        age = now - p.fix_time
        state = fleet_state(
            open_alert=p.participant_id in alerting,
            fix_age=age,
            no_signal_after=limits.get(p.device_kind, default_limit),
        )
        counts[state] += 1
        rows.append(
            [
                p.participant_id,
                round(p.lat, 5),
                round(p.lon, 5),
                state,
                int(age.total_seconds() // 60),
                label.name,
            ]
        )
    audit_record(
        actor=request.user,
        action="fleet.read",
        object_type="participant",
        object_ids=sorted(labels),
        reason="fleet map",
    )
    return JsonResponse(
        {
            "at": now.isoformat(),
            "participant_url": reverse("console:participant_detail", args=[0])[:-2],
            "counts": counts,
            "points": rows,
        }
    )
